import { replaceIllegalXmlChars } from "../protocol/xml.js";
import { unicodeEscape } from "../text.js";

/** Longest stretch of a caller-supplied value the sandbox repeats in an answer's message. */
const MAX_ECHOED_CHARS = 80;
/** Longest log value: enough for any message of ours, bounded against hostile input. */
const MAX_LOG_VALUE_CHARS = 400;
const BARE_VALUE = /^[A-Za-z0-9_.:/@+-]+$/;
// JSON.stringify leaves these as they are; they would break a log line or the XML answer.
const UNSAFE_AFTER_JSON = /[\u2028\u2029\uFFFE\uFFFF]/g;

function quote(value: string, maxChars: number): string {
  const truncated = value.length > maxChars ? `${value.slice(0, maxChars)}…` : value;
  return JSON.stringify(truncated).replace(UNSAFE_AFTER_JSON, unicodeEscape);
}

/**
 * A message made fit for the XML answer: characters XML cannot carry become `\uXXXX`. The protocol
 * core's diagnostics may quote the raw input (a NUL, half of an emoji), and the answer must still go out.
 */
export function xmlSafeText(text: string): string {
  return replaceIllegalXmlChars(text, unicodeEscape);
}

/**
 * A caller-supplied value made safe to repeat: truncated, in double quotes, with control
 * characters, line breaks and characters XML forbids escaped. A hostile value cannot forge a log
 * line or break the XML envelope.
 */
export function quoteForMessage(value: string): string {
  return quote(value, MAX_ECHOED_CHARS);
}

export type LogFields = Readonly<Record<string, string | number | undefined>>;

/** `key=value` pairs on one line (logfmt); values that are not plain tokens are quoted. Undefined fields are left out. */
export function formatLogLine(fields: LogFields): string {
  return Object.entries(fields)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => {
      const text = String(value);
      return `${key}=${BARE_VALUE.test(text) && text.length <= MAX_ECHOED_CHARS ? text : quote(text, MAX_LOG_VALUE_CHARS)}`;
    })
    .join(" ");
}
