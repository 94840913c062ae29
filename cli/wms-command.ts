import { DEFAULT_XML_LIMITS } from "../src/protocol/xml.js";
import { ORDER_STATUS_NAMES } from "../src/wms/order-store.js";
import { PROVIDER_STATES_PATH } from "../src/wms/provider-states.js";
import { ORDER_CODE_SCAN_BYTES } from "../src/wms/qimen-call.js";
import {
  createSandboxWms,
  DEFAULT_QIMEN_PATH,
  DEFAULT_TIMESTAMP_WINDOW_MS,
  INSECURE_WARNING,
  SANDBOX_APP_KEY,
  SANDBOX_SECRET,
  UPLOAD_DISCARD_BYTES,
} from "../src/wms/sandbox.js";
import {
  APP_KEY_ENV,
  CUSTOMER_ID_ENV,
  EXIT,
  numericFlag,
  parseCommandArgs,
  SECRET_ENV,
  UsageError,
  withFlagNames,
  type CliIo,
  type Command,
} from "./command.js";
import type { ObservedCall } from "../src/wms/observed-call.js";
import { consoleReport } from "../src/recording/record-report.js";
import { recordingResult, type RecordingSettings } from "../src/recording/recorder.js";
import { writeAtomically } from "./report-files.js";
/** First line on stdout, followed by the Qimen URL: scripts wait for it and parse the URL. */
export const LISTENING_PREFIX = "qimen sandbox WMS listening on ";
/** Printed when SIGINT/SIGTERM arrives, followed by how many calls it lets finish. */
export const SHUTTING_DOWN_PREFIX = "qimen sandbox WMS shutting down: ";

const DEFAULT_WINDOW_MINUTES = DEFAULT_TIMESTAMP_WINDOW_MS / 60_000;
/** The flag that sets each sandbox option. */
const FLAGS: ReadonlyMap<string, string> = new Map([
  ["path", "--path"],
  ["credentials", "--app-key/--secret"],
  ["customerId", "--customer-id"],
  ["timestampWindowMs", "--timestamp-window-minutes"],
  ["port", "--port"],
]);

const help = `Usage: qimen-pact wms [--host 127.0.0.1] [--port 0] [--path ${DEFAULT_QIMEN_PATH}] [--app-key K --secret S]
                      [--customer-id C] [--timestamp-window-minutes N] [--allow-hmac-sign-methods]
                      [--insecure-skip-signature-check] [--record FILE --consumer NAME [--strict]]

Runs the sandbox WMS: a careful reference provider of taobao.qimen.order.cancel, for ERP
integration tests and for Pact verification. Serves until SIGINT/SIGTERM, then lets in-flight
calls finish and exits 0.

Output: the first stdout line is "${LISTENING_PREFIX}<URL>"; the second names the provider-state
URL; then one logfmt line per call, e.g.
  call=qimen method=order.cancel orderCode=SO-123 verdict=failure code=sign-check-failure message="Illegal request" latencyMs=0.4
Values that are not plain tokens are quoted and escaped, long ones cut; a field the call does not
carry is left out. A refused call (app_key, sign, timestamp, customerId, method, or a body the
decoder rejects) still names its orderCode: the first <orderCode> found whole in the
body's first ${ORDER_CODE_SCAN_BYTES / 1024} KiB, as sent. Neither the secret nor the sign is ever printed.
On SIGINT/SIGTERM: "${SHUTTING_DOWN_PREFIX}draining N calls", then, once those are answered,
"qimen sandbox WMS stopped".

Options:
  --host H                         interface to listen on (default 127.0.0.1)
  --port P                         TCP port, 0 picks a free one (default 0)
  --path P                         path of the Qimen endpoint (default ${DEFAULT_QIMEN_PATH})
  --app-key K                      app key callers sign with (or set ${APP_KEY_ENV})
  --secret S                       its secret (or set ${SECRET_ENV}; prefer the variable: flags show in ps)
  --customer-id C                  only accept calls for this customerId (or set ${CUSTOMER_ID_ENV}; default any)
  --timestamp-window-minutes N     accepted clock difference of a call's timestamp, either way
                                   (Beijing time; default ${DEFAULT_WINDOW_MINUTES})
  --allow-hmac-sign-methods        accept sign_method hmac and hmac-sha256 too; by default they are
                                   refused, as by every WMS built on the official SDK's SpiUtils
                                   (it checks an md5 sign whatever sign_method says)
  --insecure-skip-signature-check  TEST ONLY: accept calls without checking app_key and sign, for
                                   replaying recorded requests that cannot be re-signed
  --record FILE --consumer NAME    record every Qimen call as \`qimen-pact record\` does (see its --help):
                                   on SIGINT/SIGTERM, print a verdict line per call and write the
                                   ERP NAME's contract (Pact V4) to FILE; --strict fails warnings too
  -h, --help                       show this help

Without --app-key/--secret the sandbox accepts the TEST-ONLY credentials
app_key ${SANDBOX_APP_KEY}, secret ${SANDBOX_SECRET}. Never use them anywhere real.

Qimen calls: POST <path>?method=...&timestamp=...&app_key=...&sign=... with the XML body.
  method order.cancel or taobao.qimen.order.cancel; answers HTTP 200, text/xml;charset=utf-8,
  <response><flag>success|failure</flag><code>...</code><message>...</message></response>,
  code 0 on success, a distinct code per failure cause (sign-check-failure for a bad sign).
  As strict as an SDK-built WMS: the Content-Type must be text/xml or application/xml in lower
  case with an unquoted charset=utf-8 (or utf8) or none (content-type-unsupported otherwise), and
  the answer never starts with a byte-order mark.
  A param with an empty value (partner_id=) is accepted signed either way: with it, as Alibaba's
  receiver helper (SpiUtils) signs, or without it, as the SDK's sender signs.
  Bodies over ${DEFAULT_XML_LIMITS.maxBytes / 1024} KiB answer xml-too-large. So that the sender sees that answer, the rest
  of its upload is read and discarded, up to ${UPLOAD_DISCARD_BYTES / 1024 / 1024} MiB past the limit, before the sandbox answers
  and closes the connection; past those ${UPLOAD_DISCARD_BYTES / 1024 / 1024} MiB it stops reading and cuts the connection.

Provider states (Pact's protocol): POST ${PROVIDER_STATES_PATH} with
  {"state": "...", "params": {...}, "action": "setup" | "teardown"}; GET lists the states.
  "an order exists"  params warehouseCode, orderCode, status, optional ownerCode, orderType, orderId
                     status: ${ORDER_STATUS_NAMES.join(", ")}
  "no order exists"  params orderCode, optional warehouseCode
  Setup replaces every document with that warehouseCode and orderCode, whatever its owner;
  teardown of "an order exists" removes the document it names; the store is never reset as a
  whole (parallel verifiers share it). A change without a state is a no-op.

Example:
  ${SECRET_ENV}=s3cret qimen-pact wms --port 8080 --app-key my-app --customer-id my-wms
`;

export const wmsCommand: Command = {
  name: "wms",
  summary: "run the sandbox WMS, serving order.cancel and Pact provider states, until interrupted",
  help,
  async run(args, io) {
    const { values } = parseCommandArgs({
      args: [...args],
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "0" },
        path: { type: "string", default: DEFAULT_QIMEN_PATH },
        "app-key": { type: "string" },
        secret: { type: "string" },
        "customer-id": { type: "string" },
        "timestamp-window-minutes": { type: "string", default: String(DEFAULT_WINDOW_MINUTES) },
        "allow-hmac-sign-methods": { type: "boolean", default: false },
        "insecure-skip-signature-check": { type: "boolean", default: false },
        record: { type: "string" },
        consumer: { type: "string" },
        strict: { type: "boolean", default: false },
      },
      strict: true,
    });
    const port = numericFlag(values.port, "--port", {
      expected: "an integer from 0 to 65535 (0 picks a free port)",
      allowZero: true,
      max: 65535,
    });
    const windowMinutes = numericFlag(values["timestamp-window-minutes"], "--timestamp-window-minutes", {
      expected: "a positive number of minutes",
      fractional: true,
    });
    const timestampWindowMs = windowMinutes * 60_000;
    const credentials = resolveCredentials(values["app-key"], values.secret, io);
    const customerId = optionalSetting(values["customer-id"], "--customer-id", io.env[CUSTOMER_ID_ENV]);
    const verifySignatures = !values["insecure-skip-signature-check"];
    if (credentials === undefined) {
      io.stderr(`qimen-pact wms: using the TEST-ONLY default credentials (app_key ${SANDBOX_APP_KEY})\n`);
    }
    if (!verifySignatures) io.stderr(`qimen-pact wms: ${INSECURE_WARNING}\n`);

    const recording = recordingOf(values, credentials);
    const sandbox = withFlagNames(FLAGS, () =>
      createSandboxWms({
        path: values.path,
        timestampWindowMs,
        verifySignatures,
        allowHmacSignMethods: values["allow-hmac-sign-methods"],
        log: (line) => io.stdout(`${line}\n`),
        ...(recording === undefined ? {} : { onQimenCall: (call) => void recording.calls.push(call) }),
        ...(credentials === undefined ? {} : { credentials }),
        ...(customerId === undefined ? {} : { customerId }),
      }),
    );
    let urls;
    try {
      urls = await sandbox.listen({ host: values.host, port });
    } catch (error) {
      io.stderr(`qimen-pact wms: cannot listen on ${values.host}:${port}: ${(error as Error).message}\n`);
      return EXIT.failed;
    }
    io.stdout(`${LISTENING_PREFIX}${urls.qimenUrl.href}\nprovider states: ${urls.stateChangeUrl.href}\n`);
    await aborted(io.signal);
    const calls = sandbox.inFlightCalls();
    const closed = sandbox.close();
    io.stdout(`${SHUTTING_DOWN_PREFIX}draining ${calls} call${calls === 1 ? "" : "s"}\n`);
    await closed;
    io.stdout("qimen sandbox WMS stopped\n");
    if (recording !== undefined) await writeRecording(recording, io);
    return EXIT.ok;
  },
};

/** A flag, else its environment variable; undefined when neither is set. An empty flag is a mistake. */
function optionalSetting(flag: string | undefined, name: string, fromEnv: string | undefined): string | undefined {
  if (flag === "") throw new UsageError(`${name} must not be empty`);
  return flag ?? (fromEnv === "" ? undefined : fromEnv);
}

function resolveCredentials(
  appKeyFlag: string | undefined,
  secretFlag: string | undefined,
  io: CliIo,
): Record<string, string> | undefined {
  const appKey = optionalSetting(appKeyFlag, "--app-key", io.env[APP_KEY_ENV]);
  const secret = optionalSetting(secretFlag, "--secret", io.env[SECRET_ENV]);
  if (appKey === undefined && secret === undefined) return undefined;
  if (appKey === undefined || secret === undefined) {
    throw new UsageError(
      `--app-key and --secret go together: missing ${appKey === undefined ? `--app-key (or set ${APP_KEY_ENV})` : `--secret (or set ${SECRET_ENV})`}`,
    );
  }
  return { [appKey]: secret };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

interface WmsRecording {
  readonly file: string;
  readonly settings: RecordingSettings;
  readonly calls: ObservedCall[];
}

function recordingOf(
  values: { record?: string | undefined; consumer?: string | undefined; strict: boolean },
  credentials: Record<string, string> | undefined,
): WmsRecording | undefined {
  if (values.record === undefined) {
    if (values.consumer !== undefined || values.strict)
      throw new UsageError("--consumer and --strict go with --record FILE");
    return undefined;
  }
  if (values.record === "") throw new UsageError("--record must name a file");
  if (values.consumer === undefined || values.consumer === "") throw new UsageError("--record needs --consumer NAME");
  const secret = Object.values(credentials ?? { [SANDBOX_APP_KEY]: SANDBOX_SECRET })[0] ?? SANDBOX_SECRET;
  return { file: values.record, settings: { consumer: values.consumer, secret, strict: values.strict }, calls: [] };
}

/** What `qimen-pact record` prints and writes, for the calls a long-running sandbox received. */
async function writeRecording(recording: WmsRecording, io: CliIo): Promise<void> {
  const result = recordingResult(recording.settings, recording.calls);
  io.stdout(consoleReport(result, recording.settings.secret));
  await writeAtomically(recording.file, result.contract, "--record");
  io.stdout(`Wrote the contract to ${recording.file}\n`);
}
