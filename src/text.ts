/** One UTF-16 code unit written as a `\uXXXX` escape (lower-case hex), the way JSON spells one. */
export function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Characters a reader cannot see or tells from a plain space only by luck: C1 controls, no-break
 * and other Unicode spaces (U+00A0, U+2000–U+200A, U+202F, U+205F, U+3000), zero-width ones
 * (U+200B–U+200D, U+2060, U+FEFF, the byte-order mark), line and paragraph separators, and
 * Unicode's bidirectional controls, which could rewrite a terminal's display. Shown escaped,
 * "expected success, got success" cannot happen.
 */
const INVISIBLE =
  /[\u007f-\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u2069\u3000\ufeff]/g;
/** C0 control characters (ESC, CR, LF, U+000B, …) and the invisible ones. */
const UNPRINTABLE = new RegExp(`[\\u0000-\\u001f]|${INVISIBLE.source}`, "g");

/** Text from the remote side made safe for a terminal: each control or invisible character shown escaped, as \u001b. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, unicodeEscape);
}

/**
 * JSON text (as JSON.stringify writes it, which escapes C0 controls itself) with every invisible
 * character escaped too: the same value for a machine, visible to a human reading the file.
 */
export function visibleJson(json: string): string {
  return json.replace(INVISIBLE, unicodeEscape);
}
