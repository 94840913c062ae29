import { QimenError } from "../src/protocol/errors.js";
import { partRange } from "./partition.js";
import { JSON_REPORT_FORMAT } from "./reports.js";
import type { VerificationReport } from "./results.js";

/*
 * `qimen-pact report merge`: the JSON reports of `verify --shard K/N` joined into the report of
 * the whole verification. A partial verification must never pass for a whole one, so every part
 * must be there once, of the same contracts, provider and provider version, and hold exactly the
 * interactions its part holds.
 */

/** A part's report and the file it came from, to name in refusals. */
export interface ReportPart {
  readonly file: string;
  readonly report: VerificationReport;
}

/** Reads a `verify --json` report's text; throws QIMEN_REPORT_INVALID naming the file when it is none. */
export function parseJsonReport(file: string, text: string): VerificationReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw refused(`${file} is not JSON: ${(cause as Error).message}`, { file }, cause);
  }
  const record = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (record["format"] !== JSON_REPORT_FORMAT) {
    throw refused(`${file} is not a qimen-pact verify --json report (no "format": "${JSON_REPORT_FORMAT}")`, { file });
  }
  const report = without(record, "format");
  for (const field of ["interactions", "contracts", "contractDigests"] as const) {
    if (!Array.isArray(report[field])) throw refused(`${file} has no "${field}" list: is it a whole report?`, { file });
  }
  return report as unknown as VerificationReport;
}

/**
 * The whole verification's report from its parts, in part order. Throws QIMEN_REPORT_INVALID when
 * a part is missing, given twice or incomplete, or the parts disagree on what was verified.
 */
export function mergeReports(parts: readonly ReportPart[]): VerificationReport {
  const [first] = parts;
  if (first === undefined) throw refused("no report to merge: pass the JSON report of every part", {});
  for (const { file, report } of parts) {
    if (report.part === undefined) {
      throw refused(`${file} is the report of a whole verification, not of a part (verify --shard K/N)`, { file });
    }
    agree(first, { file, report }, "contracts verified", (r) => r.contractDigests.join(","));
    agree(first, { file, report }, "provider URL", (r) => r.providerUrl);
    agree(first, { file, report }, "provider version", (r) => r.providerVersion ?? "(none given)");
    agree(first, { file, report }, "method name", (r) => r.methodName);
    agree(first, { file, report }, "number of parts", (r) => String(r.part?.count));
  }
  const count = first.report.part?.count ?? 0;
  const byIndex = new Map<number, ReportPart>();
  for (const part of parts) {
    const index = part.report.part?.index ?? 0;
    const twin = byIndex.get(index);
    if (twin !== undefined) {
      throw refused(`part ${index}/${count} is given twice: ${twin.file} and ${part.file}`, { part: index });
    }
    byIndex.set(index, part);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    throw refused(
      `part${missing.length === 1 ? "" : "s"} ${missing.map((index) => `${index}/${count}`).join(", ")} missing: a partial verification is never reported as a whole one`,
      { missing },
    );
  }
  const ordered = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
  for (const { file, report } of ordered) complete(file, report);
  const interactions = ordered.flatMap(({ report }) => report.interactions);
  const passed = interactions.filter((result) => result.verdict === "passed").length;
  const unreachable = ordered.map(({ report }) => report.unreachable).find((text) => text !== undefined);
  const whole = without(first.report, "part", "unreachable");
  return {
    ...whole,
    startedAt: ordered.map(({ report }) => report.startedAt).sort()[0] ?? first.report.startedAt,
    // The parts ran side by side: the whole took as long as its longest part.
    durationMs: Math.max(...ordered.map(({ report }) => report.durationMs)),
    ...(unreachable === undefined ? {} : { unreachable }),
    interactions,
    summary: { total: interactions.length, passed, failed: interactions.length - passed },
  };
}

function agree(
  first: ReportPart,
  other: ReportPart,
  what: string,
  value: (report: VerificationReport) => string,
): void {
  const [expected, got] = [value(first.report), value(other.report)];
  if (expected !== got) {
    throw refused(
      `the parts disagree on the ${what}: ${first.file} has ${expected}, ${other.file} has ${got}; merge only the parts of one verify run`,
      { what, files: [first.file, other.file] },
    );
  }
}

/** A part must hold as many results as its range of the interactions. */
function complete(file: string, report: VerificationReport): void {
  const part = report.part;
  if (part === undefined) return;
  const { start, end } = partRange(part, part.total);
  if (report.interactions.length !== end - start) {
    throw refused(
      `${file} (part ${part.index}/${part.count}) holds ${report.interactions.length} results where its part has ${end - start} interactions: was it cut short?`,
      { file },
    );
  }
}

function without<T extends object, K extends keyof T>(value: T, ...keys: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key as K))) as Omit<T, K>;
}

function refused(message: string, context: Record<string, unknown>, cause?: unknown): QimenError {
  return new QimenError("QIMEN_REPORT_INVALID", message, { context, ...(cause === undefined ? {} : { cause }) });
}
