import { isQimenError, QimenError } from "./errors.js";
import {
  ISP_HTTP_OUTCOMES,
  type DeliveryOutcome,
  type IspHttpCode,
  type OrderCancelResponse,
  type ResponseFlag,
} from "./model.js";
import {
  DEFAULT_XML_LIMITS,
  excerpt,
  parseXml,
  quoteName,
  singleValuedChildren,
  type XmlElement,
  type XmlLimits,
} from "./xml.js";
import { trimXmlSpace } from "./xml-space.js";
import { writeXmlDocument } from "./xml-writer.js";

/** Who wrote the answer: the WMS itself, the Qimen gateway (TOP* codes), or TOP's REST envelope. */
export type ResponseSource = "wms" | "gateway" | "top-error-response";

export interface DecodedResponse extends OrderCancelResponse {
  readonly source: ResponseSource;
  /** Set when the gateway says it could not deliver the call (TOP15 / isp.http-*). */
  readonly delivery?: { readonly ispCode?: IspHttpCode; readonly outcome: DeliveryOutcome };
  /** `<sub_code>` of an `<error_response>`. */
  readonly subCode?: string;
}

const FLAGS: ReadonlySet<string> = new Set<ResponseFlag>(["success", "failure"]);
const ISP_HTTP_CODE = /isp\.http-(connection-timeout|connection-refuse|read-timeout|closed)/;
const GATEWAY_UNREACHABLE_CODE = "TOP15";

/** Encodes the `<response>` envelope a WMS answers with; TypeError for a code or message XML cannot carry. */
export function encodeResponse(response: OrderCancelResponse): string {
  if (!FLAGS.has(response.flag)) {
    throw new TypeError(`response flag must be "success" or "failure", got ${JSON.stringify(response.flag)}`);
  }
  const body: Record<string, string> = { flag: response.flag };
  if (response.code !== undefined) body["code"] = response.code;
  if (response.message !== undefined) body["message"] = response.message;
  return writeXmlDocument("response", body);
}

/**
 * Decodes an answer to order.cancel the way a careful ERP does: the decision is `<flag>` alone,
 * exact and case-sensitive; `code` and `message` are optional and the literal `null` means absent.
 * Anything that is not a `<response>` with one valid flag, nor TOP's `<error_response>`, is a
 * QimenError with code QIMEN_RESPONSE_UNRECOGNISED; when the body was not even readable XML (a JSON
 * body, an HTML error page), its `cause` is the XML error and `context.xmlError` that error's code.
 */
export function decodeResponse(body: string | Uint8Array, limits: XmlLimits = DEFAULT_XML_LIMITS): DecodedResponse {
  const root = parseResponseXml(body, limits);
  if (root.name === "error_response") return decodeErrorResponse(root);
  if (root.name !== "response") {
    throw unrecognised(`expected root <response>, got ${quoteName(root.name)}`, { root: excerpt(root.name) });
  }
  const fields = singleValued(root);
  const flagElement = fields.get("flag");
  if (flagElement === undefined) throw unrecognised("<response> has no <flag>", { field: "response.flag" });
  const flag = flagElement.text;
  if (!FLAGS.has(flag) || flagElement.children.length > 0) {
    throw unrecognised(`<flag> must be exactly "success" or "failure", got ${JSON.stringify(excerpt(flag))}`, {
      field: "response.flag",
      actual: excerpt(flag),
    });
  }
  const code = optionalText(fields.get("code"));
  const message = optionalText(fields.get("message"));
  const isGateway = code?.startsWith("TOP") === true;
  const delivery = isGateway ? deliveryOf(code, message) : undefined;
  return {
    flag: flag as ResponseFlag,
    source: isGateway ? "gateway" : "wms",
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
    ...(delivery === undefined ? {} : { delivery }),
  };
}

function parseResponseXml(body: string | Uint8Array, limits: XmlLimits): XmlElement {
  try {
    return parseXml(body, limits);
  } catch (cause) {
    if (!isQimenError(cause)) throw cause;
    const page = htmlPage(body);
    throw unrecognised(
      `body is not readable XML (${page === undefined ? cause.message : `it is ${page}`})`,
      { xmlError: cause.code, ...cause.context },
      cause,
    );
  }
}

const HTML_START = /^(?:\uFEFF)?[ \t\r\n]*(?:<!--[^]*?-->[ \t\r\n]*)?<(?:!doctype[ \t\r\n]+html|html)[ \t\r\n>]/i;
const HTML_TITLE = /<title[^>]*>([^<]*)<\/title>/i;
/** How much of an answer is searched for an HTML page's start and title: a proxy's error page has both early. */
const HTML_SCAN_CHARS = 2048;

/** "an HTML page" (with its title, when it has one) for a body that is one, e.g. a proxy's 502 page; else undefined. */
function htmlPage(body: string | Uint8Array): string | undefined {
  const head =
    typeof body === "string"
      ? body.slice(0, HTML_SCAN_CHARS)
      : Buffer.from(body.subarray(0, HTML_SCAN_CHARS)).toString("utf8");
  if (!HTML_START.test(head)) return undefined;
  const title = HTML_TITLE.exec(head)?.[1];
  const shown = title === undefined ? "" : trimXmlSpace(title);
  return shown === "" ? "an HTML page" : `an HTML page (title ${JSON.stringify(excerpt(shown))})`;
}

function singleValued(root: XmlElement): Map<string, XmlElement> {
  try {
    return singleValuedChildren(root);
  } catch (cause) {
    if (!isQimenError(cause)) throw cause;
    throw unrecognised(cause.message, cause.context, cause);
  }
}

function decodeErrorResponse(root: XmlElement): DecodedResponse {
  const fields = singleValued(root);
  const code = optionalText(fields.get("code"));
  const msg = optionalText(fields.get("msg"));
  const subCode = optionalText(fields.get("sub_code"));
  const subMsg = optionalText(fields.get("sub_msg"));
  const message = [msg, subMsg].filter((part) => part !== undefined).join(": ");
  const ispCode = ISP_HTTP_CODE.exec(`${subCode ?? ""} ${msg ?? ""}`)?.[0] as IspHttpCode | undefined;
  return {
    flag: "failure",
    source: "top-error-response",
    ...(code === undefined ? {} : { code }),
    ...(message === "" ? {} : { message }),
    ...(subCode === undefined ? {} : { subCode }),
    ...(ispCode === undefined ? {} : { delivery: { ispCode, outcome: ISP_HTTP_OUTCOMES[ispCode] } }),
  };
}

function deliveryOf(code: string | undefined, message: string | undefined): DecodedResponse["delivery"] {
  const ispCode = ISP_HTTP_CODE.exec(message ?? "")?.[0] as IspHttpCode | undefined;
  if (ispCode !== undefined) return { ispCode, outcome: ISP_HTTP_OUTCOMES[ispCode] };
  return code === GATEWAY_UNREACHABLE_CODE ? { outcome: "unknown" } : undefined;
}

function optionalText(element: XmlElement | undefined): string | undefined {
  if (element === undefined || element.text === "null") return undefined;
  return element.text;
}

function unrecognised(problem: string, context: Record<string, unknown>, cause?: QimenError): QimenError {
  return new QimenError("QIMEN_RESPONSE_UNRECOGNISED", `Not a Qimen order.cancel response: ${problem}`, {
    context,
    ...(cause === undefined ? {} : { cause }),
  });
}
