import { cpus } from "node:os";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BENCHMARKS } from "./modules/index.js";
import {
  renderComparison,
  renderReport,
  type BenchmarkReport,
  type BenchRun,
  type BenchSettings,
} from "./lib/report.js";

const USAGE = `usage: npm run bench -- [--only ID,...] [--long] [--consumer-sizes N,...] [--compare FILE] [--out DIR]
  --only ID,...          run only these benchmarks (${BENCHMARKS.map(({ id }) => id).join(", ")})
  --long                 measure longer: protocol 3 s per operation, load 10 s per run,
                         consumer suites of 20, 200 and 1000 interactions, 5 runs each
  --consumer-sizes N,... consumer suite sizes (default 20,200; Pact as-is only up to 200)
  --compare FILE         also compare with an earlier run's results file
  --out DIR              where the results file goes (default bench/results)
Every benchmark measures ours and its baseline in the same run; the results are printed as
Markdown and written to DIR/<start time>.json.`;

const SHORT: BenchSettings = {
  profile: "short",
  protocolMs: 600,
  sandboxSeconds: 3,
  consumerSizes: [20, 200],
  consumerAsIsMaxSize: 200,
  consumerRepeat: 3,
};
const LONG: BenchSettings = {
  profile: "long",
  protocolMs: 3000,
  sandboxSeconds: 10,
  consumerSizes: [20, 200, 1000],
  consumerAsIsMaxSize: 200,
  consumerRepeat: 5,
};
const RESULTS_DIR = fileURLToPath(new URL("results/", import.meta.url));

function parseSizes(text: string): number[] {
  const sizes = text.split(",").map(Number);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new RangeError(`--consumer-sizes must be positive integers separated by commas, got ${text}`);
  }
  return sizes;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      only: { type: "string" },
      long: { type: "boolean", default: false },
      "consumer-sizes": { type: "string" },
      compare: { type: "string" },
      out: { type: "string", default: RESULTS_DIR },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = values.only?.split(",");
  const unknown = only?.filter((id) => !BENCHMARKS.some((benchmark) => benchmark.id === id)) ?? [];
  if (unknown.length > 0) throw new RangeError(`unknown benchmark ${unknown.join(", ")}\n${USAGE}`);
  const base = values.long ? LONG : SHORT;
  const settings: BenchSettings = {
    ...base,
    ...(values["consumer-sizes"] === undefined ? {} : { consumerSizes: parseSizes(values["consumer-sizes"]) }),
  };
  const previous =
    values.compare === undefined ? undefined : (JSON.parse(await readFile(values.compare, "utf8")) as BenchRun);

  const startedAt = new Date().toISOString();
  const reports: BenchmarkReport[] = [];
  for (const benchmark of BENCHMARKS.filter(({ id }) => only?.includes(id) ?? true)) {
    process.stderr.write(`running ${benchmark.name} (${settings.profile})…\n`);
    const report = await benchmark.run(settings);
    reports.push(report);
    process.stdout.write(`${renderReport(report)}\n\n`);
  }
  const run: BenchRun = {
    startedAt,
    settings,
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown" },
    reports,
  };
  await mkdir(values.out, { recursive: true });
  const file = join(values.out, `${startedAt.replace(/[:.]/g, "-")}.json`);
  await writeFile(file, `${JSON.stringify(run, null, 2)}\n`);
  if (previous !== undefined) process.stdout.write(`${renderComparison(previous, run)}\n\n`);
  const missed = reports.flatMap(({ name, checks }) =>
    checks.filter(({ met }) => met === false).map((check) => `${name}: ${check.name}`),
  );
  process.stdout.write(
    `results: ${relative(process.cwd(), file)}\n${missed.length === 0 ? "every target met" : `targets missed:\n- ${missed.join("\n- ")}`}\n`,
  );
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
