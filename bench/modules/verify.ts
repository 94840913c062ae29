import { runProgram } from "../lib/processes.js";
import { suiteMeasurement, type Benchmark, type Check, type Measurement } from "../lib/report.js";
import { median } from "../../test/support/stats.js";

const SUITE = new URL("../verify-suite.ts", import.meta.url);
const SIZES = [10, 100, 1000] as const;
/** Issue 6's targets, as ratios measured in one run. */
const TARGET = { size: 1000, plainMax: 6, httpsMax: 12, scalingFrom: 100, scalingMax: 12 } as const;
/** Runs per variant and size (the median is reported): 1000 interactions is the point, so keep it short. */
const REPEAT = { short: 1, long: 3 } as const;

type Variant = "verify" | "raw";
type Transport = "plain" | "https";

interface Timing {
  /** Whole process, spawn to exit; the median of the repeats. */
  readonly wallMs: number;
  /** The verification alone, in the process. */
  readonly loopMs: number;
  /** Interactions that passed, in the run that passed fewest. */
  readonly passed: number;
}

async function time(variant: Variant, size: number, transport: Transport, repeat: number): Promise<Timing> {
  const runs = [];
  for (let index = 0; index < repeat; index++) {
    const args = ["--variant", variant, "--count", String(size), ...(transport === "https" ? ["--https"] : [])];
    runs.push(await runProgram(SUITE, args));
  }
  const reports = runs.map(({ report }) => report as { loopMs: number; passed: number });
  return {
    wallMs: median(runs.map(({ wallMs }) => wallMs)),
    loopMs: median(reports.map(({ loopMs }) => loopMs)),
    passed: Math.min(...reports.map(({ passed }) => passed)),
  };
}

interface Pair {
  readonly size: number;
  readonly transport: Transport;
  readonly ours: Timing;
  readonly raw: Timing;
}

function row({ size, transport, ours, raw }: Pair): Measurement {
  return suiteMeasurement(
    `${size} interactions, ${transport === "https" ? "HTTPS" : "plain HTTP"} provider`,
    ours,
    raw,
  );
}

function ratioCheck(pair: Pair | undefined, max: number): Check[] {
  if (pair === undefined) return [];
  const what = `${pair.transport === "https" ? "HTTPS" : "plain HTTP"}: time(${pair.size}) / raw time(${pair.size})`;
  const ratio = pair.ours.wallMs / pair.raw.wallMs;
  return [
    { name: what, value: ratio, target: `≤ ${max}`, met: ratio <= max },
    { name: `${what}, in-process`, value: pair.ours.loopMs / pair.raw.loopMs, target: "none, for information" },
  ];
}

function scalingChecks(small: Pair | undefined, large: Pair | undefined): Check[] {
  if (small === undefined || large === undefined) return [];
  const name = `time(${large.size})/time(${small.size})`;
  const scaling = large.ours.wallMs / small.ours.wallMs;
  return [
    { name, value: scaling, target: `≤ ${TARGET.scalingMax}`, met: scaling <= TARGET.scalingMax },
    { name: `${name}, in-process`, value: large.ours.loopMs / small.ours.loopMs, target: "none, for information" },
  ];
}

export const verifyBenchmark: Benchmark = {
  id: "verify",
  name: "provider verification",
  async run(settings) {
    const repeat = REPEAT[settings.profile];
    const pairs: Pair[] = [];
    const plan = [
      ...SIZES.map((size) => ({ size, transport: "plain" as const })),
      { size: TARGET.size, transport: "https" as const },
    ];
    for (const { size, transport } of plan) {
      const raw = await time("raw", size, transport, repeat);
      const ours = await time("verify", size, transport, repeat);
      pairs.push({ size, transport, ours, raw });
    }
    const find = (size: number, transport: Transport) =>
      pairs.find((pair) => pair.size === size && pair.transport === transport);
    const allPassed = pairs.every(({ size, ours, raw }) => ours.passed === size && raw.passed === size);
    return {
      name: this.name,
      ours: `qimen-pact verify (sharded Pact runs in worker processes, one per core) against the sandbox WMS, as a whole process; ${repeat} run(s) each, median`,
      baseline:
        "raw: the same state changes and signed calls sent with undici (as many in flight as verify has workers), answers compared with fast-xml-parser, no Pact, as a whole process",
      measurements: pairs.map(row),
      checks: [
        {
          name: "every interaction passed, in every run of ours and raw",
          value: allPassed ? "yes" : "NO",
          target: "yes",
          met: allPassed,
        },
        ...ratioCheck(find(TARGET.size, "plain"), TARGET.plainMax),
        ...ratioCheck(find(TARGET.size, "https"), TARGET.httpsMax),
        ...scalingChecks(find(TARGET.scalingFrom, "plain"), find(TARGET.size, "plain")),
      ],
    };
  },
};
