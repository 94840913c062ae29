/*
 * The markup of a document, in document order and in one linear pass: what finds a DTD however
 * comments and CDATA sections try to hide it (see xml.ts).
 */

export type MarkupKind = "comment" | "cdata" | "processing-instruction" | "dtd" | "tag";

/** One piece of markup: `end` is where it stops (the text's length when it is never closed). */
export interface Markup {
  readonly kind: MarkupKind;
  readonly start: number;
  readonly end: number;
}

/** Markup whose content is not markup, and what closes it. */
const OPAQUE_MARKUP: readonly { readonly kind: MarkupKind; readonly open: string; readonly close: string }[] = [
  { kind: "comment", open: "<!--", close: "-->" },
  { kind: "cdata", open: "<![CDATA[", close: "]]>" },
  { kind: "processing-instruction", open: "<?", close: "?>" },
];
/** Without a word boundary: whatever follows, a parser may take `<!DOCTYPE…` for a declaration. */
const DTD_KEYWORD = /<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/iy;
const LESS_THAN = 0x3c;
const GREATER_THAN = 0x3e;
const QUOTES = new Set([0x22, 0x27]);

/**
 * The markup of a document in document order, each piece recognised where the one before it ends:
 * a `<![CDATA[` inside a comment is comment text, and `<!DOCTYPE` after that comment is markup.
 * Every search starts where the last piece ended and the pieces never overlap, so the scan is
 * linear in the text: an opener that is never closed ends it, however many openers follow.
 */
export function* scanMarkup(text: string): Generator<Markup> {
  for (let start = text.indexOf("<"); start !== -1;) {
    const end = markupEnd(text, start);
    yield { kind: end.kind, start, end: end.at };
    start = end.at >= text.length ? -1 : text.indexOf("<", end.at);
  }
}

function markupEnd(text: string, start: number): { readonly kind: MarkupKind; readonly at: number } {
  for (const { kind, open, close } of OPAQUE_MARKUP) {
    if (!text.startsWith(open, start)) continue;
    const closeAt = text.indexOf(close, start + open.length);
    return { kind, at: closeAt === -1 ? text.length : closeAt + close.length };
  }
  DTD_KEYWORD.lastIndex = start;
  // Nothing after a DTD is looked at: the document is refused.
  if (DTD_KEYWORD.test(text)) return { kind: "dtd", at: text.length };
  return { kind: "tag", at: tagEnd(text, start + 1) };
}

/** After a tag's `>`, skipping quoted attribute values; a stray `<` starts the next markup. */
function tagEnd(text: string, from: number): number {
  for (let at = from; at < text.length; at += 1) {
    const char = text.charCodeAt(at);
    if (char === GREATER_THAN) return at + 1;
    if (char === LESS_THAN) return at;
    if (QUOTES.has(char)) {
      const closeAt = text.indexOf(text.charAt(at), at + 1);
      if (closeAt === -1) return text.length;
      at = closeAt;
    }
  }
  return text.length;
}
