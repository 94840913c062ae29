/*
 * Caller-controlled text as messages quote it: cut short, never between the halves of a surrogate pair.
 */

/** Longest parser diagnostic quoted in an error: an unclosed 100k-deep document would otherwise list every tag. */
const MAX_REASON_LENGTH = 200;

/** Longest element name or caller-sent value quoted in a message: a 250 KB name must not come back whole. */
const MAX_QUOTED_LENGTH = 80;

/** A caller-controlled name or value as messages and error contexts quote it: cut to 80 characters, with an ellipsis. */
export function excerpt(text: string): string {
  return truncate(text, MAX_QUOTED_LENGTH);
}

/** An element name as messages show it, `<name>`, cut short like every caller-controlled text. */
export function quoteName(name: string): string {
  return `<${excerpt(name)}>`;
}

/** `text`, cut to `maxLength` characters with an ellipsis. */
export function truncate(text: string, maxLength = MAX_REASON_LENGTH): string {
  if (text.length <= maxLength) return text;
  // Never between the halves of a surrogate pair: a lone half is no character, and XML refuses it.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return `${text.slice(0, end)}…`;
}
