import { foldXmlSpace } from "../src/protocol/xml-space.js";
import { truncate } from "../src/protocol/xml-quote.js";
import { isNoAnswer, shownUrl, type CallOutcome } from "./transport.js";

/*
 * A state-change endpoint that cannot set a state should answer 4xx/5xx, but many answer HTTP 200
 * with a JSON body saying so: passing the interaction then judges the WMS on a state it never had.
 *
 * The rule: a 2xx answer whose body is a JSON object reports failure when
 * - `success` is false (the boolean, or the string "false" in any case), or
 * - `error` is present and not null, false or "", or
 * - `code` is present, not null or "", and not a success code: a number or string of zeros
 *   (0, "0", "0000"), 200 or "200", or "success"/"ok" in any case.
 * Anything else is success: an empty body, `{}`, plain text such as "OK", JSON that is no object,
 * `{"success":true}`, any 2xx status (201, 204). A byte-order mark before the JSON is skipped, as
 * lenient JSON readers do. The failure is shown by the fields that say so, each value cut short:
 * never the whole body, which may nest deeper than JSON.stringify can go.
 */

const SUCCESS_CODE = /^(?:0+|200|success|ok)$/i;
const MAX_SHOWN_CHARS = 300;

/** Why a 2xx state-change answer says the change failed, in words; undefined when it does not. */
export function stateAnswerFailure(status: number, body: Uint8Array): string | undefined {
  const text = Buffer.from(body)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, unknown>;
  if (!reportsFailure(fields)) return undefined;
  const shown = ["success", "error", "code", "message", "msg"]
    .filter((name) => Object.hasOwn(fields, name))
    .map((name) => `"${name}": ${shownValue(fields[name])}`)
    .join(", ");
  return `the state-change endpoint answered ${status} but said it failed: {${shown}} (answer 4xx/5xx when a state cannot be set, 2xx only when it is)`;
}

/** A JSON value as a failure shows it: scalars as JSON, cut short; objects and arrays by kind only. */
function shownValue(value: unknown): string {
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "[…]" : "{…}";
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= MAX_SHOWN_CHARS ? json : `${json.slice(0, MAX_SHOWN_CHARS)}…`;
}

function reportsFailure(fields: Readonly<Record<string, unknown>>): boolean {
  const { success, error, code } = fields;
  if (success === false || (typeof success === "string" && success.toLowerCase() === "false")) return true;
  if ("error" in fields && error !== null && error !== false && error !== "") return true;
  if (code === undefined || code === null || code === "") return false;
  return !((typeof code === "string" || typeof code === "number") && SUCCESS_CODE.test(String(code)));
}

/**
 * Why a state change failed, in words, or undefined when it was made: no answer, a status other
 * than 2xx (with the start of its body), or a 2xx whose body says it failed (stateAnswerFailure).
 */
export function stateChangeFailure(outcome: CallOutcome, url: URL | undefined): string | undefined {
  if (isNoAnswer(outcome)) return outcome.failure;
  if (outcome.status >= 200 && outcome.status < 300) return stateAnswerFailure(outcome.status, outcome.body);
  return `${url === undefined ? "" : shownUrl(url)} answered HTTP ${outcome.status}: ${excerpt(outcome.body)}`;
}

function excerpt(body: Buffer): string {
  return truncate(foldXmlSpace(body.toString("utf8")), MAX_SHOWN_CHARS) || "(empty body)";
}
