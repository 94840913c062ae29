import { Agent, type Dispatcher } from "undici";
import {
  createQimenClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_READ_TIMEOUT_MS,
  parseQimenEndpoint,
  type CancelResult,
} from "../src/client/qimen-client.js";
import { DELIVERY_MEANINGS, QimenDeliveryError } from "../src/client/delivery-error.js";
import { informationalTolerantConnector } from "../src/client/informational-answers.js";
import type { OrderCancelRequest } from "../src/protocol/model.js";
import { isKnownOrderType, ORDER_TYPE_CODES } from "../src/protocol/order-types.js";
import type { MethodNameForm } from "../src/protocol/system-params.js";
import { redactor, redactStrings, shortSecretWarning, type Redact } from "../src/redaction.js";
import { trimXmlSpace } from "../src/protocol/xml-space.js";
import { printable } from "../src/text.js";
import {
  APP_KEY_ENV,
  CUSTOMER_ID_ENV,
  EXIT,
  numericFlag,
  parseCommandArgs,
  requireOption,
  SECRET_ENV,
  UsageError,
  type CliIo,
  type Command,
} from "./command.js";

const help = `Usage: qimen-pact cancel --url URL --app-key K --secret S --customer-id C
                         --warehouse-code W --order-code O [options]

Sends one real taobao.qimen.order.cancel, signed like the Qimen SDK, and prints the decoded answer.
Use it to try a WMS or the gateway by hand before wiring an ERP to it. It sends exactly once: a
repeated cancel is safe (cancel is idempotent), but deciding to repeat is left to you.

Required:
  --url URL                 the Qimen endpoint including its path and without a query, e.g.
                            https://host/router/qimen/service
  --app-key K               the app key (or set ${APP_KEY_ENV})
  --secret S                the app secret (or set ${SECRET_ENV}); never printed: it and the sign
                            are masked as <redacted> wherever the answer echoes them, in any
                            letter case and XML, URL or JSON escaping (a secret of one or two
                            characters only where it stands alone, with a warning)
  --customer-id C           customerId, the gateway's routing key of the WMS (or set ${CUSTOMER_ID_ENV})
  --warehouse-code W        仓库编码; OTHER when the ERP does not choose the warehouse
  --order-code O            the ERP's code of the document to cancel, as sent when it was created

Optional:
  --owner-code X            货主编码
  --order-id X              the WMS's own document id
  --order-type T            one of ${ORDER_TYPE_CODES.join(", ")};
                            another code is sent as given, with a warning
  --cancel-reason TEXT      free text (Chinese is fine)
  --method-name long|short  long (default): taobao.qimen.order.cancel, as ERPs call the gateway;
                            short: order.cancel, as WMS-side code routes it
  --connect-timeout-ms N    give up connecting after N ms (default ${DEFAULT_CONNECT_TIMEOUT_MS})
  --read-timeout-ms N       deadline for the whole answer, headers and body, counted from when the
                            request starts out (default ${DEFAULT_READ_TIMEOUT_MS}); a WMS that trickles its
                            answer is cut off at N ms too: QIMEN_READ_TIMEOUT, isp.http-read-timeout
  --json                    print exactly one JSON object on stdout instead of text
  -h, --help                show this help

Exit codes:
  0  flag=success: the WMS cancelled the document (or had cancelled it before)
  1  flag=failure: the WMS refused, e.g. already shipped; its code and message say why
  2  usage error
  3  no answer from the WMS: a gateway error (TOP*), a transport failure (a TLS handshake failure
     counts as not-reached), a status other than 200 or an unreadable body. The output names the
     Qimen isp.http-* meaning where one applies and the delivery outcome: not-reached (safe to send
     again), maybe-applied (repeating is safe: cancel is idempotent) or unknown (check the document
     in the WMS).
  130 interrupted (Ctrl-C, SIGINT or SIGTERM): the output is an error coded QIMEN_ABORTED with the
     delivery outcome, unknown once the request may have been sent.

JSON output (--json):
  {"outcome":"success"|"failure","response":{"flag":…,"code":…,"message":…,"source":"wms"},"warnings":[…]}
  {"outcome":"error","error":{"code":"QIMEN_READ_TIMEOUT","message":…,"delivery":"maybe-applied",
   "ispCode":"isp.http-read-timeout","meaning":…,"context":{…}},"warnings":[…]}
  code and message are left out when the WMS sent none; ispCode when no isp.http-* meaning applies.

Example:
  QIMEN_SECRET=… qimen-pact cancel --url https://host/router/qimen/service --app-key K \\
    --customer-id C --warehouse-code OTHER --order-code SO20240501001 --cancel-reason 客户取消 --json
`;

const options = {
  url: { type: "string" },
  "app-key": { type: "string" },
  secret: { type: "string" },
  "customer-id": { type: "string" },
  "warehouse-code": { type: "string" },
  "order-code": { type: "string" },
  "owner-code": { type: "string" },
  "order-id": { type: "string" },
  "order-type": { type: "string" },
  "cancel-reason": { type: "string" },
  "method-name": { type: "string" },
  "connect-timeout-ms": { type: "string" },
  "read-timeout-ms": { type: "string" },
  json: { type: "boolean" },
} as const;

export const cancelCommand: Command = {
  name: "cancel",
  summary: "send one real order.cancel to a WMS or the gateway and print the answer",
  help,
  async run(args, io) {
    const { values } = parseCommandArgs({ args: [...args], options, strict: true });
    const endpoint = requireOption(values.url, "--url", io);
    try {
      parseQimenEndpoint(endpoint);
    } catch (cause) {
      throw new UsageError(`--url: ${(cause as Error).message}`);
    }
    const request: OrderCancelRequest = {
      warehouseCode: requireText(values["warehouse-code"], "--warehouse-code", io),
      orderCode: requireText(values["order-code"], "--order-code", io),
      ...presentFields({
        ownerCode: values["owner-code"],
        orderId: values["order-id"],
        orderType: values["order-type"],
        cancelReason: values["cancel-reason"],
      }),
    };
    const secret = requireOption(values.secret, "--secret", io, SECRET_ENV);
    const settings = {
      endpoint,
      appKey: requireOption(values["app-key"], "--app-key", io, APP_KEY_ENV),
      secret,
      customerId: requireOption(values["customer-id"], "--customer-id", io, CUSTOMER_ID_ENV),
      methodName: methodName(values["method-name"]),
      readTimeoutMs: milliseconds(values["read-timeout-ms"], "--read-timeout-ms") ?? DEFAULT_READ_TIMEOUT_MS,
    };
    const connectTimeoutMs =
      milliseconds(values["connect-timeout-ms"], "--connect-timeout-ms") ?? DEFAULT_CONNECT_TIMEOUT_MS;
    // Our own agent, so the signs sent can be noted: a WMS may echo them. It skips 1xx answers as the client's own does.
    const agent = new Agent({ connect: informationalTolerantConnector({ timeout: connectTimeoutMs }) });
    const signsSent: string[] = [];
    const client = createQimenClient({ ...settings, dispatcher: notingSigns(agent, signsSent) });

    const warnings = [
      request.orderType === undefined || isKnownOrderType(request.orderType)
        ? undefined
        : `orderType "${request.orderType}" is not one of the 19 codes of the order.cancel spec; sent as given`,
      shortSecretWarning(secret),
    ].filter((warning) => warning !== undefined);
    for (const warning of warnings) io.stderr(`qimen-pact cancel: warning: ${warning}\n`);

    let outcome: CancelResult | QimenDeliveryError;
    try {
      outcome = await client.cancelOrder(request, { signal: io.signal });
    } catch (error) {
      if (!(error instanceof QimenDeliveryError)) throw error;
      outcome = error;
    } finally {
      await client.close();
      await agent.close();
    }
    // Whatever the WMS or the gateway sent back may echo the secret or the sign, in any spelling.
    const redact = redactor([secret, ...signsSent]);
    if (outcome instanceof QimenDeliveryError) {
      if (values.json === true) io.stdout(`${JSON.stringify({ ...errorJson(outcome, redact), warnings })}\n`);
      else io.stderr(errorText(outcome, redact));
      return outcome.code === "QIMEN_ABORTED" ? EXIT.interrupted : EXIT.transport;
    }
    if (values.json === true) io.stdout(`${JSON.stringify({ ...resultJson(outcome, redact), warnings })}\n`);
    else io.stdout(`${resultText(outcome, request.orderCode, redact)}\n`);
    return outcome.ok ? EXIT.ok : EXIT.failed;
  },
};

/** The dispatcher, noting the sign of each request it sends: a WMS may echo it, and it must not be shown. */
function notingSigns(dispatcher: Dispatcher, signs: string[]): Dispatcher {
  return dispatcher.compose((dispatch) => (options, handler) => {
    const sign = new URL(options.path, "http://query.invalid").searchParams.get("sign");
    if (sign !== null) signs.push(sign);
    return dispatch(options, handler);
  });
}

function requireText(value: string | undefined, flag: string, io: CliIo): string {
  const text = requireOption(value, flag, io);
  // Blank as XML sees it: an order code of U+3000 is content the WMS receives as sent.
  if (trimXmlSpace(text) === "") throw new UsageError(`${flag} must not be blank`);
  return text;
}

/** Empty optional flags are left out rather than sent as empty elements. */
function presentFields(fields: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""),
  );
}

function methodName(value = "long"): MethodNameForm {
  if (value === "long" || value === "short") return value;
  throw new UsageError(`--method-name must be long or short, got "${value}"`);
}

function milliseconds(value: string | undefined, flag: string): number | undefined {
  return value === undefined
    ? undefined
    : numericFlag(value, flag, { expected: "a positive whole number of milliseconds" });
}

function resultJson(result: CancelResult, redact: Redact): object {
  return { outcome: result.ok ? "success" : "failure", response: redactStrings(result.response, redact) };
}

/** The WMS's code and message come from the remote side: printed escaped, never as raw control characters. */
function resultText(result: CancelResult, orderCode: string, redact: Redact): string {
  const { code, message } = result.response;
  const details = [
    code === undefined ? [] : [`code ${printable(redact(code))}`],
    message === undefined ? [] : [`message "${printable(redact(message))}"`],
  ]
    .flat()
    .join(", ");
  const said = details === "" ? "" : ` (${details})`;
  return result.ok
    ? `success: the WMS cancelled order ${orderCode}${said}`
    : `failure: the WMS refused to cancel order ${orderCode}${said}`;
}

function errorJson(error: QimenDeliveryError, redact: Redact): object {
  return {
    outcome: "error",
    error: {
      code: error.code,
      message: redact(error.message),
      delivery: error.delivery,
      ...(error.ispCode === undefined ? {} : { ispCode: error.ispCode }),
      meaning: DELIVERY_MEANINGS[error.delivery],
      context: redactStrings(error.context, redact),
    },
  };
}

function errorText(error: QimenDeliveryError, redact: Redact): string {
  const isp = error.ispCode === undefined ? "" : `, ${error.ispCode}`;
  return `qimen-pact cancel: ${error.code}: ${printable(redact(error.message))}\ndelivery: ${error.delivery}${isp}\n`;
}
