import { readFile } from "node:fs/promises";
import { contractDigest } from "../provider-verify/contracts.js";
import { mergeReports, parseJsonReport, type ReportPart } from "../provider-verify/report-merge.js";
import { consoleReport } from "../provider-verify/reports.js";
import { pendingFailures, type VerificationReport } from "../provider-verify/results.js";
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from "../provider-verify/verify-provider.js";
import { isQimenError } from "../src/protocol/errors.js";
import {
  BROKER_VERIFY_OPTIONS,
  brokerContracts,
  brokerVerifySettings,
  publishBrokerResults,
  type BrokerVerify,
} from "./broker-verify.js";
import { EXIT, numericFlag, parseCommandArgs, UsageError, type CliIo, type Command } from "./command.js";
import { writeReports } from "./report-files.js";

const help = `Usage: qimen-pact report merge PART.json... [--junit FILE] [--json FILE]
         qimen-pact report merge PART.json... --broker-url URL --provider NAME --publish
                                 --provider-version V [--provider-branch B] [the selectors verify used]

Joins the JSON reports of \`qimen-pact verify --shard K/N --json PART.json\`, run on N CI machines,
into the report of the whole verification: the console report of every interaction in contract
order, and the JUnit and JSON reports of the whole.

A partial verification is never reported as a whole one. The merge is refused (exit 2, nothing
written) when a part is missing or given twice, when a part holds fewer results than its part of
the interactions, when a report is of a whole run (no --shard), and when the parts disagree on the
contracts verified (compared by content, whatever their paths), the provider URL, the provider
version (--provider-version), the method name or the number of parts.

With --publish, the whole verification is published to the Pact Broker as verify --publish
would have: one result per pact, with the result of each interaction. The pacts are asked of the
broker again with the options verify used (--consumer-version-selectors, --enable-pending,
--include-wip-pacts-since, --provider-branch), and the merge is published only when the broker
still selects exactly the pacts the parts verified (compared by content) and --provider-version is
the version the parts were verified as; otherwise nothing is published (exit 2).

Options:
  --junit FILE   write the whole verification's JUnit XML report
  --json FILE    write the whole verification's JSON report
  --broker-url URL, --provider NAME, --consumer-version-selectors JSON, --enable-pending,
  --include-wip-pacts-since DATE, --provider-version V, --provider-branch B, --publish,
  --fail-if-no-pacts-found true|false, --timeout-ms N
                 as for qimen-pact verify (credentials from PACT_BROKER_TOKEN, or
                 PACT_BROKER_USERNAME and PACT_BROKER_PASSWORD; never printed)
  -h, --help     show this help

Exit codes:
  0  every interaction of every part passed (failures of pending and WIP pacts aside)
  1  an interaction failed; the broker is unreachable or publishing failed
  2  usage error, the merge was refused, or the broker refused the credentials (it says why)

Example (a CI matrix of four machines, then one job that merges):
  qimen-pact verify --provider-base-url URL --shard 2/4 --provider-version "$GIT_SHA" --json part-2.json
  qimen-pact report merge part-1.json part-2.json part-3.json part-4.json --junit verify.xml --json verify.json
  qimen-pact report merge part-*.json --broker-url "$PACT_BROKER_BASE_URL" --provider qimen-wms \\
    --publish --provider-version "$GIT_SHA" --provider-branch main
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
      options: {
        junit: { type: "string" },
        json: { type: "string" },
        "timeout-ms": { type: "string", default: String(DEFAULT_TIMEOUT_MS) },
        ...BROKER_VERIFY_OPTIONS,
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length === 0) throw new UsageError("no report to merge: pass the --json report of every part");
    const timeoutMs = numericFlag(values["timeout-ms"], "--timeout-ms", {
      expected: `a positive whole number of milliseconds, at most ${MAX_TIMEOUT_MS}`,
      max: MAX_TIMEOUT_MS,
    });
    const broker = brokerVerifySettings(values, io, timeoutMs);
    if (broker !== undefined && broker.publishAs === undefined) {
      throw new UsageError("report merge talks to a Pact Broker only to --publish the merged report");
    }
    let merged: VerificationReport;
    try {
      const parts: ReportPart[] = [];
      for (const file of positionals) parts.push({ file, report: parseJsonReport(file, await readPart(file)) });
      merged = mergeReports(parts);
    } catch (error) {
      if (isQimenError(error, "QIMEN_REPORT_INVALID")) throw new UsageError(error.message);
      throw error;
    }
    if (broker !== undefined) checkPublishedVersion(merged, broker);
    io.stdout(consoleReport(merged));
    await writeReports(merged, { junit: values.junit, json: values.json }, io);
    const published = broker === undefined ? undefined : await publishMerged(broker, merged, io);
    return published ?? (merged.summary.failed === pendingFailures(merged) ? EXIT.ok : EXIT.failed);
  },
};

/** The parts were verified as one provider version: results are never published for another. */
function checkPublishedVersion(merged: VerificationReport, broker: BrokerVerify): void {
  const version = broker.publishAs?.version;
  if (merged.providerVersion !== version) {
    throw new UsageError(
      `--provider-version ${version ?? ""} is not the version the parts were verified as (${merged.providerVersion ?? "none given to verify --provider-version"}): nothing is published`,
    );
  }
}

/**
 * Publishes the merged report, once the broker still selects exactly the pacts the parts
 * verified; resolves to the exit code it imposes, if any.
 */
async function publishMerged(broker: BrokerVerify, merged: VerificationReport, io: CliIo): Promise<number | undefined> {
  const pacts = await brokerContracts(broker, io);
  if (typeof pacts === "number") return pacts;
  const selected = pacts.map(({ contract }) => contractDigest(contract));
  if (selected.join(",") !== merged.contractDigests.join(",")) {
    io.stderr(
      `qimen-pact report: the Pact Broker now selects other pacts (${pacts.map(({ contract }) => contract.path).join(", ")}) than the parts verified (${merged.contracts.join(", ")}): nothing is published; verify again\n`,
    );
    return EXIT.usage;
  }
  // The same content may be served under other URLs now (another broker address): results follow the content.
  const pathNow = new Map(merged.contracts.map((path, position) => [path, pacts[position]?.contract.path ?? path]));
  const interactions = merged.interactions.map((result) => ({
    ...result,
    contract: pathNow.get(result.contract) ?? result.contract,
  }));
  return publishBrokerResults(broker, pacts, { ...merged, interactions }, io);
}

async function readPart(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
