/** One UTF-16 code unit written as a `\uXXXX` escape (lower-case hex), the way JSON spells one. */
export function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** Control characters, and Unicode's bidirectional overrides, which could rewrite a terminal's display. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text from the remote side made safe for a terminal: each control character shown escaped, as \u001b. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, unicodeEscape);
}
