import { availableParallelism } from "node:os";
import { loadContracts, type Contract } from "../provider-verify/contracts.js";
import { shippedContractsDir } from "../src/package-paths.js";
import { parsePart } from "../provider-verify/partition.js";
import { consoleHeader, consoleResult, consoleSummary } from "../provider-verify/reports.js";
import { pendingFailures, type VerificationReport } from "../provider-verify/results.js";
import { MAX_SHARD_SIZE } from "../provider-verify/shards.js";
import { MAX_ANSWER_BYTES, MAX_HEADER_BYTES } from "../provider-verify/transport.js";
import {
  DEFAULT_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  PROGRESS_INTERVAL_MS,
  verifyProvider,
  type VerifyProgress,
} from "../provider-verify/verify-provider.js";
import { checkOptions, type Settings, type VerifyProviderOptions } from "../provider-verify/verify-options.js";
import { INTERACTION_SLACK_MS, SHARD_SLACK_MS } from "../provider-verify/worker-pool.js";
import { DEFAULT_XML_LIMITS } from "../src/protocol/xml.js";
import { isQimenError } from "../src/protocol/errors.js";
import type { MethodNameForm } from "../src/protocol/system-params.js";
import { shortSecretWarning } from "../src/redaction.js";
import {
  BROKER_VERIFY_HELP,
  BROKER_VERIFY_OPTIONS,
  BROKER_VERIFY_USAGE,
  brokerContracts,
  brokerResultMarker,
  brokerVerifySettings,
  publishBrokerResults,
} from "./broker-verify.js";
import {
  APP_KEY_ENV,
  CUSTOMER_ID_ENV,
  EXIT,
  numericFlag,
  parseCommandArgs,
  requireOption,
  SECRET_ENV,
  UsageError,
  withFlagNames,
  type CliIo,
  type Command,
} from "./command.js";
import { writeReports } from "./report-files.js";

const help = `Usage: qimen-pact verify --provider-base-url URL [--contracts DIR|FILE]... [--app-key K --secret S
                         --customer-id C] [--state-change-url URL] [--method-name short|long]
                         [--timeout-ms N] [--jobs N] [--shard K/N] [--provider-version V]
                         [--junit FILE] [--json FILE]
${BROKER_VERIFY_USAGE}

The gate a WMS team runs before deploying: replays every interaction of the contracts against the
WMS the way the Qimen gateway delivers taobao.qimen.order.cancel, and says per interaction whether
the WMS still keeps the contract, and if not, why.

Each call goes to the exact --provider-base-url (path included), with a fresh Beijing timestamp,
your app_key and customerId, method order.cancel and a sign computed with --secret over the exact
body bytes. The interaction the contract marks as bad-signature is sent with a deliberately wrong
sign: the WMS must answer it with failure (Qimen's go-live signature check).

Every answer is judged three times: by Pact's matcher against the contract, by the ERP client's
own decoder, and as the official Qimen Java SDK (DefaultQimenClient), which most ERPs run, reads
it. An interaction fails when Pact finds a mismatch, when the ERP client would reject the answer
(e.g. a duplicated <flag>), when it would read another flag than the contract's, or when it would
show no code or message where the contract has one (blank, or the literal "null"). It fails when
the SDK cannot read the answer: a leading UTF-8 byte-order mark (one or more), white space before
the XML declaration or any text before the XML, a quoted charset ("utf-8" throws in Java); when
the Content-Type names a charset other than UTF-8 (Qimen allows none); and when the SDK would take
another outcome from <flag>: it compares the exact text, so " success " or success followed by a
no-break space (U+00A0) or U+3000 is no success. Accepted Content-Types: text/xml,
application/xml, text/plain or plain/text in any case, with an unquoted charset=utf-8 (or utf8)
or none; a trailing ";" is fine. A default namespace on <response>, any element order, CDATA,
comments, processing instructions and xsi:nil are fine (the report notes what Pact needed removed),
and so are informational answers before the real one (an unsolicited 100 Continue, 102, 103: a
client must read on, and the SDK does). The ERP client refuses what every XML parser refuses
("--" in a comment, "]]>" in text, a second BOM or XML declaration) and trims only XML white
space (space, tab, CR, LF): U+00A0 and U+3000 are content.
An answer coded sign-check-failure to a call signed with --secret fails too, whatever the contract
expects: the WMS refused the signature and never judged the call (check --secret and --app-key).
Invisible characters in reports are shown escaped (\\ufeff, \\u00a0).

Speed: the interactions are verified in shards by parallel worker processes (--jobs). Against a
plain-http provider and state-change URL the workers also skip parsing the system certificate
store, which Pact otherwise does for every interaction: nothing in them opens a TLS connection
(contracts are local files). Against https the store is used as usual, so it is slower.

Bounds: whatever the WMS answers, a run ends, in time and memory bounded by the options.
  - Each HTTP call: --timeout-ms for the whole exchange, connect included.
  - Each shard's Pact run: a deadline of ${SHARD_SLACK_MS} ms + for each of its interactions
    (1 + 2 x its provider states) x --timeout-ms + ${INTERACTION_SLACK_MS} ms; for the shipped contract (one
    state each) ${SHARD_SLACK_MS} ms + interactions x (3 x --timeout-ms + ${INTERACTION_SLACK_MS} ms). Past it the worker
    is killed, the shard's interactions fail ("verification of this shard exceeded its deadline
    of N ms") and the next shards run in a fresh worker.
  - An answer: at most ${MAX_ANSWER_BYTES} bytes of body and ${MAX_HEADER_BYTES} bytes of headers. verify asks for
    no Content-Encoding; a gzip answer (the official SDK asks for gzip and inflates it) is
    inflated up to ${MAX_ANSWER_BYTES} bytes and judged inflated; any other encoding fails.
  - A body the ERP client refuses for its size (over ${DEFAULT_XML_LIMITS.maxBytes} bytes) or depth (over ${DEFAULT_XML_LIMITS.maxDepth} levels)
    is not shown to Pact's matcher, whose time grows with the square of the depth: the client's
    refusal fails the interaction. Pact is shown only the headers the contract checks and
    Content-Type, so any number of header lines is fine.
  - When no result has come for ${PROGRESS_INTERVAL_MS / 1000} s, a progress line goes to stderr.

Options:
  --provider-base-url URL   the WMS's registered Qimen URL, path included, no query
                            (e.g. https://wms.example.com/qimen/api)
  --contracts PATH          a Pact contract file, or a directory of them (*.json); repeatable
                            (default: the contracts shipped with qimen-pact)
  --app-key K               app_key to send (or set ${APP_KEY_ENV}; default: the contract's example)
  --secret S                the app secret the WMS checks signs with (or set ${SECRET_ENV}; required;
                            prefer the variable: flags show in ps)
  --customer-id C           customerId to send (or set ${CUSTOMER_ID_ENV}; default: the contract's example)
  --state-change-url URL    the WMS's Pact provider-state endpoint; required, since the contracts
                            use provider states. It receives POST {"state", "params", "action"}
                            ("setup" before, "teardown" after an interaction) and answers 2xx, or
                            4xx/5xx with a message when it cannot set the state (the interaction
                            then fails and the message is shown). A 2xx whose JSON object body
                            says it failed counts as failed: "success" false, an "error" that is
                            not null/false/"", or a "code" other than 0, "0000", 200, "success",
                            "ok" (any zeros, any case). An empty body, {}, "OK", 201, 204 are
                            success. The sandbox WMS serves it at /pact/provider-states.
  --method-name short|long  method sent: short = order.cancel (default, what WMS-side code routes
                            on, as the gateway delivers it), long = taobao.qimen.order.cancel
  --timeout-ms N            deadline of each HTTP call (connect and whole answer) and of the
                            reachability check (default ${DEFAULT_TIMEOUT_MS}, at most ${MAX_TIMEOUT_MS}, Node's
                            longest timer); each shard's deadline follows from it (see Bounds)
  --jobs N                  worker processes verifying in parallel (default: the number of CPU
                            cores). The interactions are split into shards of at most
                            ${MAX_SHARD_SIZE}, each verified by one Pact run, and the shards are
                            shared out among the workers; every interaction is reported once, in
                            contract order. Parallel shards set provider states at the same time,
                            which a WMS whose states are not independent per order cannot take (a
                            state-change endpoint that resets or reseeds the whole store, global
                            states such as "the warehouse is closed", one order code in several
                            interactions). So an interaction that fails while shards ran in
                            parallel is verified once more, alone, after the others: if it passes
                            then, it is reported passed with the note "passed only when run alone";
                            and then every expected failure that passed in parallel (by accident,
                            maybe: "no such order") is verified alone too. --jobs 1 needs neither.
  --shard K/N               verify only the K-th of N parts of the interactions, for a CI matrix of
                            N machines: the interactions in contract order are cut into N runs
                            whose sizes differ by one at most, the same on every machine. Write
                            each part's --json and join them with \`qimen-pact report merge\`.
  --provider-version V      the WMS build verified (e.g. its git SHA): written into the JSON report
                            (report merge refuses parts of different versions), and the version
                            --publish publishes results for
  --junit FILE              also write a JUnit XML report, one testcase per interaction
  --json FILE               also write a machine-readable JSON report
  -h, --help                show this help

${BROKER_VERIFY_HELP}
Output: one line per interaction (PASS/FAIL, description, provider state, duration); under a
failure, the reasons in plain words (expected vs actual, element path), the state's params and the
answer received; then a summary. Control characters the WMS sent are shown escaped (\\u001b).
The secret, the signs computed (the right one of the bad-signature call too) and the password and
query values of --state-change-url are never printed or written: they are masked as <redacted> in
everything the WMS or the wire produced, in any letter case and XML, URL or JSON escaping; the
contract's own descriptions and states are shown as written. A secret of one or two characters
cannot be told apart from text: it is masked only where it stands alone, with a warning.

Exit codes:
  0  every interaction passed (failures of pending and WIP pacts aside)
  1  an interaction failed, or the provider is unreachable (checked first, in one line); the
     Pact Broker is unreachable or answers an error, no pact matches the selectors (unless
     --fail-if-no-pacts-found false), or publishing a result failed
  2  usage or configuration error: unknown flag, missing secret or state-change URL, missing,
     unreadable or invalid contract (a broker's pact that is no Qimen order.cancel contract),
     report file that cannot be written, broker credentials refused (HTTP 401/403)

Example:
  ${SECRET_ENV}=... qimen-pact verify --provider-base-url https://wms.example.com/qimen/api \\
    --app-key my-app --customer-id my-customer \\
    --state-change-url https://wms-test.example.com/pact/provider-states --junit verify.xml
`;

/** verify's options, as the library names them, and the flags that give them. */
const FLAGS: ReadonlyMap<string, string> = new Map([
  ["providerUrl", "--provider-base-url"],
  ["secret", "--secret"],
  ["stateChangeUrl", "--state-change-url"],
  ["methodName", "--method-name"],
  ["timeoutMs", "--timeout-ms"],
  ["jobs", "--jobs"],
  ["part", "--shard"],
]);

const OPTIONS = {
  "provider-base-url": { type: "string" },
  contracts: { type: "string", multiple: true },
  "app-key": { type: "string" },
  secret: { type: "string" },
  "customer-id": { type: "string" },
  "state-change-url": { type: "string" },
  "method-name": { type: "string", default: "short" },
  "timeout-ms": { type: "string", default: String(DEFAULT_TIMEOUT_MS) },
  jobs: { type: "string", default: String(availableParallelism()) },
  shard: { type: "string" },
  junit: { type: "string" },
  json: { type: "string" },
  ...BROKER_VERIFY_OPTIONS,
} as const;

export const verifyCommand: Command = {
  name: "verify",
  summary: "verify a WMS against the order.cancel contracts, as the Qimen gateway delivers",
  help,
  async run(args, io) {
    const { values } = parseCommandArgs({ args: [...args], options: OPTIONS, strict: true });
    const timeoutMs = numericFlag(values["timeout-ms"], "--timeout-ms", {
      expected: "a whole number of milliseconds",
      allowZero: true,
    });
    const part = values.shard === undefined ? undefined : parsePart(values.shard);
    if (typeof part === "string") throw new UsageError(`--shard: ${part}`);
    if (part !== undefined && values.publish === true) {
      throw new UsageError(
        "--shard verifies a part, which is never published as a whole verification: publish the parts' merged report with `qimen-pact report merge ... --publish`",
      );
    }
    const broker = brokerVerifySettings(values, io, timeoutMs);
    const fromBroker = broker === undefined ? undefined : await brokerContracts(broker, io);
    if (typeof fromBroker === "number") return fromBroker;
    const mark = brokerResultMarker(fromBroker);
    const options: VerifyProviderOptions = {
      contracts:
        fromBroker?.map(({ contract }) => contract) ??
        (await readContracts(values.contracts ?? [shippedContractsDir()])),
      providerUrl: requireOption(values["provider-base-url"], "--provider-base-url", io),
      secret: requireOption(values.secret, "--secret", io, SECRET_ENV),
      methodName: values["method-name"] as MethodNameForm,
      timeoutMs,
      jobs: numericFlag(values.jobs, "--jobs", { expected: "a whole number of worker processes", allowZero: true }),
      env: io.env,
      signal: io.signal,
      onResult: (result) => io.stdout(consoleResult(mark(result))),
      onProgress: (progress) => io.stderr(progressLine(progress)),
      ...defined({
        appKey: optional(values["app-key"] ?? io.env[APP_KEY_ENV]),
        customerId: optional(values["customer-id"] ?? io.env[CUSTOMER_ID_ENV]),
        stateChangeUrl: values["state-change-url"],
        part,
        providerVersion: optional(values["provider-version"]),
      }),
    };
    // The library's one check of its options, before anything is printed: a bad one is a usage error (exit 2).
    const settings = withFlagNames(FLAGS, () => checkOptions(options));
    const report = await verifyPrinting(options, settings, io);
    if (report === undefined) return EXIT.failed;
    const marked = { ...report, interactions: report.interactions.map(mark) };
    io.stdout(consoleSummary(marked));
    await writeReports(marked, { junit: values.junit, json: values.json }, io);
    const published =
      broker === undefined || fromBroker === undefined
        ? undefined
        : await publishBrokerResults(broker, fromBroker, marked, io);
    return published ?? (marked.summary.failed === pendingFailures(marked) ? EXIT.ok : EXIT.failed);
  },
};

/** Verifies, printing the header and each result as it comes; undefined when interrupted. */
async function verifyPrinting(
  options: VerifyProviderOptions,
  settings: Settings,
  io: CliIo,
): Promise<VerificationReport | undefined> {
  const shortSecret = shortSecretWarning(options.secret);
  if (shortSecret !== undefined) io.stderr(`qimen-pact verify: warning: ${shortSecret}\n`);
  io.stdout(
    consoleHeader({
      providerUrl: settings.providerUrl.origin + settings.providerUrl.pathname,
      methodName: settings.methodName,
      contracts: options.contracts.map((c) => c.path),
    }),
  );
  try {
    return await verifyProvider(options);
  } catch (error) {
    if (!io.signal.aborted) throw error;
    io.stderr("qimen-pact verify: interrupted before every interaction was verified\n");
    return undefined;
  }
}

/** The entries whose value is given: optional options are left out, not set to undefined. */
function defined<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function progressLine({ reported, total, elapsedMs }: VerifyProgress): string {
  const seconds = Math.round(elapsedMs / 1000);
  return `qimen-pact verify: still verifying after ${seconds} s: ${reported} of ${total} interactions reported (each shard runs within its deadline, see Bounds in --help)\n`;
}

function optional(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

async function readContracts(paths: readonly string[]): Promise<Contract[]> {
  try {
    return await loadContracts(paths);
  } catch (error) {
    if (isQimenError(error, "QIMEN_CONTRACT_INVALID")) throw new UsageError(error.message);
    throw error;
  }
}
