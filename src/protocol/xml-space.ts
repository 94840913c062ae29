/**
 * XML's white space is space, tab, CR and LF, nothing else (XML 1.0, production S). JavaScript's
 * `trim()` and `\s` also take U+00A0, U+3000, U+FEFF and other Unicode spaces, which XML readers
 * (the official Java SDK among them) keep as content: `<flag>success\u00A0</flag>` is not success.
 */
export const XML_SPACE = "[ \\t\\r\\n]";

export function isXmlSpace(charCode: number): boolean {
  return charCode === 0x20 || charCode === 0x09 || charCode === 0x0a || charCode === 0x0d;
}

/**
 * `text` on one line: each run of XML white space one space, none at the ends; U+00A0, U+3000 or
 * U+FEFF stay, for a report to show escaped.
 */
export function foldXmlSpace(text: string): string {
  return trimXmlSpace(text.replace(/[ \t\r\n]+/g, " "));
}

/** `text` without the XML white space at its ends; every other character, however blank it looks, stays. */
export function trimXmlSpace(text: string): string {
  // A loop, not a regex: `\s+$`-style patterns go quadratic on long runs of inner white space.
  let start = 0;
  let end = text.length;
  while (start < end && isXmlSpace(text.charCodeAt(start))) start++;
  while (end > start && isXmlSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
