import { readFile } from "node:fs/promises";
import { mergeReports, parseJsonReport, type ReportPart } from "../../provider-verify/report-merge.js";
import { consoleReport } from "../../provider-verify/reports.js";
import { isQimenError } from "../protocol/errors.js";
import { EXIT, parseCommandArgs, UsageError, type Command } from "./command.js";
import { writeReports } from "./report-files.js";

const help = `Usage: qimen-pact report merge PART.json... [--junit FILE] [--json FILE]

Joins the JSON reports of \`qimen-pact verify --shard K/N --json PART.json\`, run on N CI machines,
into the report of the whole verification: the console report of every interaction in contract
order, and the JUnit and JSON reports of the whole.

A partial verification is never reported as a whole one. The merge is refused (exit 2, nothing
written) when a part is missing or given twice, when a part holds fewer results than its part of
the interactions, when a report is of a whole run (no --shard), and when the parts disagree on the
contracts verified (compared by content, whatever their paths), the provider URL, the provider
version (--provider-version), the method name or the number of parts.

Options:
  --junit FILE   write the whole verification's JUnit XML report
  --json FILE    write the whole verification's JSON report
  -h, --help     show this help

Exit codes:
  0  every interaction of every part passed
  1  an interaction failed
  2  usage error, or the merge was refused (it says why)

Example (a CI matrix of four machines, then one job that merges):
  qimen-pact verify --provider-base-url URL --shard 2/4 --provider-version "$GIT_SHA" --json part-2.json
  qimen-pact report merge part-1.json part-2.json part-3.json part-4.json --junit verify.xml --json verify.json
`;

export const reportCommand: Command = {
  name: "report",
  summary: "merge the JSON reports of verify --shard K/N into the whole verification's report",
  help,
  async run(args, io) {
    const [action, ...rest] = args;
    if (action !== "merge") {
      throw new UsageError(
        `expected "report merge PART.json...", got ${action === undefined ? "nothing" : `"${action}"`}`,
      );
    }
    const { values, positionals } = parseCommandArgs({
      args: rest,
      options: { junit: { type: "string" }, json: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length === 0) throw new UsageError("no report to merge: pass the --json report of every part");
    try {
      const parts: ReportPart[] = [];
      for (const file of positionals) parts.push({ file, report: parseJsonReport(file, await readPart(file)) });
      const merged = mergeReports(parts);
      io.stdout(consoleReport(merged));
      await writeReports(merged, { junit: values.junit, json: values.json }, io);
      return merged.summary.failed === 0 ? EXIT.ok : EXIT.failed;
    } catch (error) {
      if (isQimenError(error, "QIMEN_REPORT_INVALID")) throw new UsageError(error.message);
      throw error;
    }
  },
};

async function readPart(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
