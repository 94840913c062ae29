import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTRACT_FILE_NAME } from "../../consumer-tests/contract.js";
import { runProgram } from "../lib/processes.js";
import { suiteMeasurement, type Benchmark, type Check, type Measurement } from "../lib/report.js";
import { median } from "../../test/support/stats.js";

const SUITE = new URL("../consumer-suite.ts", import.meta.url);
const TARGET_RAW_RATIO = { size: 1000, max: 12 };
const TARGET_SCALING = { small: 20, large: 200, max: 12 };

type Variant = "recording" | "as-is" | "raw";

interface Timing {
  /** Whole process, spawn to exit; the median of the repeats. */
  readonly wallMs: number;
  /** The suite's loop alone. */
  readonly loopMs: number;
}

async function time(variant: Variant, count: number, repeat: number, out?: string): Promise<Timing> {
  const runs = [];
  for (let index = 0; index < repeat; index++) {
    const args = ["--variant", variant, "--count", String(count)];
    runs.push(await runProgram(SUITE, index === 0 && out !== undefined ? [...args, "--out", out] : args));
  }
  return {
    wallMs: median(runs.map(({ wallMs }) => wallMs)),
    loopMs: median(runs.map(({ report }) => (report as { loopMs: number }).loopMs)),
  };
}

interface SizeTimings {
  readonly raw: Timing;
  readonly recording: Timing;
  readonly asIs?: Timing;
}

export const consumerBenchmark: Benchmark = {
  id: "consumer",
  name: "consumer suite",
  async run(settings) {
    const scratch = await mkdtemp(join(tmpdir(), "qimen-pact-bench-contracts-"));
    try {
      const measurements: Measurement[] = [];
      const checks: Check[] = [];
      const timings = new Map<number, SizeTimings>();
      for (const size of settings.consumerSizes) {
        const dirs = { recording: join(scratch, `recording-${size}`), asIs: join(scratch, `as-is-${size}`) };
        await Promise.all(Object.values(dirs).map((dir) => mkdir(dir)));
        const raw = await time("raw", size, settings.consumerRepeat);
        const recording = await time("recording", size, settings.consumerRepeat, dirs.recording);
        measurements.push(
          suiteMeasurement(`${size} interactions, one file per interaction, merged once`, recording, raw),
        );
        if (size > settings.consumerAsIsMaxSize) {
          timings.set(size, { raw, recording });
          continue;
        }
        const asIs = await time("as-is", size, settings.consumerRepeat, dirs.asIs);
        timings.set(size, { raw, recording, asIs });
        measurements.push(suiteMeasurement(`${size} interactions, Pact as-is (merge + rewrite per test)`, asIs, raw));
        const [merged, plain] = await Promise.all(
          [dirs.recording, dirs.asIs].map((dir) => readFile(join(dir, CONTRACT_FILE_NAME), "utf8")),
        );
        checks.push(
          {
            name: `merged contract of ${size} interactions byte-identical to Pact as-is`,
            value: merged === plain ? "identical" : "DIFFERENT",
            target: "identical",
            met: merged === plain,
          },
          {
            name: `share of Pact as-is time spent re-writing the pact file, ${size} interactions (issue 6: 81% at 200)`,
            value: `${(100 * (1 - recording.loopMs / asIs.loopMs)).toFixed(0)}%`,
            target: "none, for information",
          },
        );
      }
      checks.push(...scalingChecks(timings), ...rawRatioChecks(timings));
      return {
        name: this.name,
        ours: "the consumer suite (per interaction: a Pact mock server and the real ERP client), as a whole process",
        baseline:
          "raw: the same requests, encoded and signed, sent with undici to a static node:http server, as a whole process",
        measurements,
        checks,
      };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
};

/** time(200)/time(20), the target, whole process; in-process and Pact as-is for information. */
function scalingChecks(timings: ReadonlyMap<number, SizeTimings>): Check[] {
  const small = timings.get(TARGET_SCALING.small);
  const large = timings.get(TARGET_SCALING.large);
  if (small === undefined || large === undefined) return [];
  const name = (what: string) => `${what} time(${TARGET_SCALING.large})/time(${TARGET_SCALING.small})`;
  const scaling = large.recording.wallMs / small.recording.wallMs;
  const checks: Check[] = [
    {
      name: name("merged once:"),
      value: scaling,
      target: `≤ ${TARGET_SCALING.max}`,
      met: scaling <= TARGET_SCALING.max,
    },
    {
      name: name("merged once, in-process:"),
      value: large.recording.loopMs / small.recording.loopMs,
      target: "none, for information",
    },
  ];
  if (small.asIs !== undefined && large.asIs !== undefined) {
    checks.push({
      name: name("Pact as-is, in-process:"),
      value: large.asIs.loopMs / small.asIs.loopMs,
      target: "none, for information",
    });
  }
  return checks;
}

function rawRatioChecks(timings: ReadonlyMap<number, SizeTimings>): Check[] {
  const timing = timings.get(TARGET_RAW_RATIO.size);
  if (timing === undefined) return [];
  const ratio = timing.recording.wallMs / timing.raw.wallMs;
  return [
    {
      name: `merged once: time(${TARGET_RAW_RATIO.size}) / raw time(${TARGET_RAW_RATIO.size})`,
      value: ratio,
      target: `≤ ${TARGET_RAW_RATIO.max}`,
      met: ratio <= TARGET_RAW_RATIO.max,
    },
  ];
}
