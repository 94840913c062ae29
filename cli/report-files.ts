import { writeFile } from "node:fs/promises";
import { jsonReport, junitReport } from "../provider-verify/reports.js";
import type { VerificationReport } from "../provider-verify/results.js";
import { UsageError, type CliIo } from "./command.js";

export interface ReportFiles {
  readonly junit: string | undefined;
  readonly json: string | undefined;
}

/** How a report is written as JUnit XML and as JSON. */
export interface ReportFormats<R> {
  readonly junit: (report: R) => string;
  readonly json: (report: R) => string;
}

/** Writes the --junit and --json reports asked for, saying where; UsageError when a file cannot be written. */
export async function writeReportFiles<R>(
  report: R,
  files: ReportFiles,
  formats: ReportFormats<R>,
  io: CliIo,
): Promise<void> {
  const outputs = [
    { file: files.junit, flag: "--junit", content: formats.junit },
    { file: files.json, flag: "--json", content: formats.json },
  ];
  for (const { file, flag, content } of outputs) {
    if (file === undefined) continue;
    try {
      await writeFile(file, content(report));
    } catch (error) {
      throw new UsageError(`cannot write ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    io.stdout(`Wrote the ${flag.slice(2)} report to ${file}\n`);
  }
}

/** verify's reports. */
export async function writeReports(report: VerificationReport, files: ReportFiles, io: CliIo): Promise<void> {
  await writeReportFiles(report, files, { junit: junitReport, json: jsonReport }, io);
}
