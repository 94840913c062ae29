/** One row of a benchmark: ours against its baseline, measured in the same run. */
export interface Measurement {
  readonly case: string;
  /** e.g. "ops/s", "req/s", "ms". */
  readonly unit: string;
  readonly ours: number;
  readonly baseline: number;
  /** Rates are better higher, times lower; says how to read the ratio. */
  readonly better: "higher" | "lower";
  /** Secondary numbers shown beside the row: latencies, errors, CPU per request. */
  readonly details?: Readonly<Record<string, number | string>>;
}

/** A target of issue 6, or a correctness condition of the run, and whether this run met it. */
export interface Check {
  readonly name: string;
  readonly value: number | string;
  readonly target: string;
  /** Absent for numbers shown for information only. */
  readonly met?: boolean;
}

export interface BenchmarkReport {
  readonly name: string;
  /** What "ours" and "baseline" are, in words. */
  readonly ours: string;
  readonly baseline: string;
  readonly measurements: readonly Measurement[];
  readonly checks: readonly Check[];
}

/** How long to measure: short by default (the whole run in about a minute on 2 cores), long by flag. */
export interface BenchSettings {
  readonly profile: "short" | "long";
  /** Milliseconds each protocol operation is timed, per side and round. */
  readonly protocolMs: number;
  /** Seconds of load per server and concurrency. */
  readonly sandboxSeconds: number;
  readonly consumerSizes: readonly number[];
  /** Pact as-is is quadratic: it runs only up to this many interactions. */
  readonly consumerAsIsMaxSize: number;
  /** Runs per consumer variant and size; the median is reported. */
  readonly consumerRepeat: number;
}

/** A benchmark module: `npm run bench` runs each in turn (bench/modules/index.ts). */
export interface Benchmark {
  /** What `--only` selects it by. */
  readonly id: string;
  readonly name: string;
  run(settings: BenchSettings): Promise<BenchmarkReport>;
}

export interface BenchRun {
  readonly startedAt: string;
  readonly settings: BenchSettings;
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string };
  readonly reports: readonly BenchmarkReport[];
}

/** Milliseconds a suite program took: the whole process, and the part it timed in itself. */
export interface SuiteTiming {
  readonly wallMs: number;
  readonly loopMs: number;
}

/** A suite of ours against the raw-Pact suite: wall clock as the row, the in-process times beside it. */
export function suiteMeasurement(name: string, ours: SuiteTiming, raw: SuiteTiming): Measurement {
  return {
    case: name,
    unit: "ms",
    better: "lower",
    ours: ours.wallMs,
    baseline: raw.wallMs,
    details: {
      "in-process ms": ours.loopMs,
      "raw in-process ms": raw.loopMs,
      "in-process ratio": ours.loopMs / raw.loopMs,
    },
  };
}

/** ours/baseline: for rates the share of the baseline reached, for times how many times slower. */
export function ratioOf(measurement: Measurement): number {
  return measurement.ours / measurement.baseline;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) && magnitude < 1000) return String(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString("en-US");
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

function detailsText(details: Measurement["details"]): string {
  return Object.entries(details ?? {})
    .map(([key, value]) => `${key} ${typeof value === "number" ? formatNumber(value) : value}`)
    .join(", ");
}

/** The report as Markdown: a table of measurements with their ratios, then the checks. */
export function renderReport(report: BenchmarkReport): string {
  const rows = report.measurements.map((measurement) => [
    measurement.case,
    `${formatNumber(measurement.ours)} ${measurement.unit}`,
    `${formatNumber(measurement.baseline)} ${measurement.unit}`,
    `${formatNumber(ratioOf(measurement))}×`,
    detailsText(measurement.details),
  ]);
  const checks = report.checks.map(
    (check) =>
      `- ${check.met === undefined ? "info" : check.met ? "met" : "MISSED"}: ${check.name} = ${typeof check.value === "number" ? formatNumber(check.value) : check.value} (target ${check.target})`,
  );
  return [
    `## ${report.name}`,
    `ours: ${report.ours}; baseline: ${report.baseline}`,
    "",
    table(["case", "ours", "baseline", "ours/baseline", "details"], rows),
    "",
    ...checks,
  ].join("\n");
}

/** Ours now against ours in an earlier run, row by row, for rows both runs measured. */
export function renderComparison(previous: BenchRun, current: BenchRun): string {
  const rows: string[][] = [];
  for (const report of current.reports) {
    const before = previous.reports.find(({ name }) => name === report.name);
    for (const measurement of report.measurements) {
      const earlier = before?.measurements.find((candidate) => candidate.case === measurement.case);
      if (earlier === undefined) continue;
      const change = (measurement.ours / earlier.ours - 1) * 100;
      const improved = measurement.better === "higher" ? change > 0 : change < 0;
      rows.push([
        report.name,
        measurement.case,
        `${formatNumber(earlier.ours)} ${earlier.unit}`,
        `${formatNumber(measurement.ours)} ${measurement.unit}`,
        `${change >= 0 ? "+" : ""}${change.toFixed(1)}% (${improved ? "better" : "worse"})`,
        `${formatNumber(ratioOf(earlier))}× → ${formatNumber(ratioOf(measurement))}×`,
      ]);
    }
  }
  return [
    `## compared with the run of ${previous.startedAt}`,
    "",
    table(["benchmark", "case", "then", "now", "change", "ours/baseline"], rows),
  ].join("\n");
}
