import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
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

/** Writes through a temporary file and a rename: a reader sees the old file or the new one, never half. UsageError when it cannot. */
export async function writeAtomically(file: string, content: string, what: string): Promise<void> {
  const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(partial, content);
    await rename(partial, file);
  } catch (error) {
    throw new UsageError(`cannot write ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    await rm(partial, { force: true });
  }
}
