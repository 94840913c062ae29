import { XMLParser, XMLValidator, type EntityDecoderOptions } from "fast-xml-parser";
import { OptionError, QimenError } from "./errors.js";
import { cutShort, linePosition, markupViolation, misplacedText } from "./xml-markup.js";
import { trimXmlSpace, XML_SPACE } from "./xml-space.js";

/** A parsed element: its child elements in document order and its own decoded text. */
export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[];
  /** Text and CDATA directly inside the element, entities decoded, surrounding XML white space (space, tab, CR, LF) trimmed. */
  readonly text: string;
}

export interface XmlLimits {
  /** Largest accepted document, in UTF-8 bytes. */
  readonly maxBytes: number;
  /** Deepest accepted element nesting; the root is depth 1. */
  readonly maxDepth: number;
}

/** order.cancel documents are a few KiB and three levels deep; these leave ample room. */
export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({ maxBytes: 256 * 1024, maxDepth: 16 });

/** fast-xml-parser and the tree walk recurse per level and overflow the stack a few thousand levels down. */
export const MAX_XML_DEPTH = 1000;

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

/** The characters XML 1.0 allows (its `Char` production); anything else is illegal even as a reference. */
const XML_CHAR_RANGES: readonly (readonly [number, number])[] = [
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

function isXmlChar(codePoint: number): boolean {
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

/**
 * Element names fast-xml-parser refuses outright (prototype pollution guard), so no document can
 * carry them: encoders must not produce them either.
 */
export const RESERVED_ELEMENT_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/**
 * `limits` when every limit is one the decoder supports, else an OptionError naming the limit as
 * `${option}.maxBytes` or `${option}.maxDepth`: the one check for everyone who takes XmlLimits.
 */
export function checkXmlLimits(limits: XmlLimits, option = "XmlLimits"): XmlLimits {
  if (!Number.isSafeInteger(limits.maxBytes) || limits.maxBytes < 1) {
    throw new OptionError(`${option}.maxBytes`, "a positive integer", limits.maxBytes);
  }
  if (!Number.isSafeInteger(limits.maxDepth) || limits.maxDepth < 1 || limits.maxDepth > MAX_XML_DEPTH) {
    throw new OptionError(`${option}.maxDepth`, `an integer from 1 to ${MAX_XML_DEPTH}`, limits.maxDepth);
  }
  return limits;
}

const TEXT = "#text";
const CDATA = "#cdata";
const ATTRIBUTES = ":@";

/*
 * We decode entities ourselves, so the library's own decoder would only be built afresh and reset
 * for every document (a tenth of a parse): it gets one that does nothing.
 */
const NO_ENTITY_DECODING: EntityDecoderOptions = Object.freeze({
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  decode: (text: string) => text,
  setXmlVersion: () => undefined,
});

/*
 * Options are spelled out so an upgrade of fast-xml-parser cannot change what we accept:
 * every value stays a string, entities are decoded by us (only XML's five and numeric character
 * references: there is no DTD to define others), and CDATA is kept apart so it is not
 * entity-decoded.
 */
function createParser(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: true,
    parseTagValue: false,
    parseAttributeValue: false,
    // The library trims with JavaScript's trim(), which eats U+00A0 and U+3000: we trim XML white space ourselves.
    trimValues: false,
    processEntities: false,
    htmlEntities: false,
    entityDecoder: NO_ENTITY_DECODING,
    cdataPropName: CDATA,
    commentPropName: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    removeNSPrefix: false,
    allowBooleanAttributes: false,
    alwaysCreateTextNode: false,
    maxNestedTags: maxDepth + 1,
    // No callback of ours reads the path: spare the parser spelling it out for every element.
    jPath: false,
    // With preserveOrder every element is its own object, so names like toString are harmless:
    // keep them as sent instead of the default renaming to __toString.
    onDangerousProperty: (name: string) => name,
  });
}

/*
 * One parser per depth limit (at most MAX_XML_DEPTH of them): building one costs about as much as
 * parsing a whole order.cancel body, and parse() keeps no state between documents.
 */
const parsersByDepth = new Map<number, XMLParser>();
function parserFor(maxDepth: number): XMLParser {
  const parser = parsersByDepth.get(maxDepth) ?? createParser(maxDepth);
  parsersByDepth.set(maxDepth, parser);
  return parser;
}

/** XML's five predefined entities. A Map: a caller's `&constructor;` must find nothing, not Object.prototype's. */
export const XML_ENTITIES: ReadonlyMap<string, string> = new Map([
  ["lt", "<"],
  ["gt", ">"],
  ["amp", "&"],
  ["quot", '"'],
  ["apos", "'"],
]);
const ENTITY_REFERENCE = /&([^;&\s]*);?/g;

function decodeEntities(raw: string, elementName: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(ENTITY_REFERENCE, (match: string, name: string) => {
    // The validator lets no entity name longer than 20 characters through: only the element's needs cutting.
    const element = excerpt(elementName);
    if (!match.endsWith(";")) {
      throw new QimenError("QIMEN_XML_MALFORMED", `${quoteName(elementName)} contains a bare "&": escape it as &amp;`, {
        context: { element },
      });
    }
    const named = XML_ENTITIES.get(name);
    if (named !== undefined) return named;
    const codePoint = /^#x[0-9a-fA-F]+$/.test(name)
      ? Number.parseInt(name.slice(2), 16)
      : /^#[0-9]+$/.test(name)
        ? Number.parseInt(name.slice(1), 10)
        : undefined;
    if (codePoint === undefined) {
      throw new QimenError(
        "QIMEN_XML_MALFORMED",
        `${quoteName(elementName)} uses the undefined entity "${match}": only &lt; &gt; &amp; &quot; &apos; and numeric references are allowed`,
        { context: { element, entity: name } },
      );
    }
    if (!isXmlChar(codePoint)) {
      throw new QimenError(
        "QIMEN_XML_MALFORMED",
        `${quoteName(elementName)} contains "${match}", which is not a legal XML character`,
        { context: { element, entity: name } },
      );
    }
    return String.fromCodePoint(codePoint);
  });
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const BYTE_ORDER_MARK = "\uFEFF";

function toText(input: string | Uint8Array, limits: XmlLimits): string {
  const byteLength = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (byteLength > limits.maxBytes) {
    throw new QimenError(
      "QIMEN_XML_TOO_LARGE",
      `XML body is ${byteLength} bytes, over the limit of ${limits.maxBytes} bytes`,
      { context: { bytes: byteLength, maxBytes: limits.maxBytes } },
    );
  }
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    try {
      text = UTF8.decode(input);
    } catch (cause) {
      throw new QimenError("QIMEN_XML_ENCODING", "XML body is not valid UTF-8", { cause });
    }
  }
  // A UTF-8 byte-order mark is legal XML and .NET WMSs send one.
  return text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
}

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

function hasDtdMarkup(text: string): boolean {
  // Every declaration starts with "<!": most documents are spared the scan.
  if (!text.includes("<!")) return false;
  for (const markup of scanMarkup(text)) if (markup.kind === "dtd") return true;
  return false;
}

const SPACE = XML_SPACE;

/** A well-formed XML declaration; its values cannot hold "?>", so where it ends is beyond doubt. */
const DECLARATION =
  `<\\?xml${SPACE}+version${SPACE}*=${SPACE}*(["'])1\\.[0-9]+\\1` +
  `(?:${SPACE}+encoding${SPACE}*=${SPACE}*(["'])[A-Za-z][A-Za-z0-9._-]*\\2)?` +
  `(?:${SPACE}+standalone${SPACE}*=${SPACE}*(["'])(?:yes|no)\\3)?${SPACE}*\\?>`;

/*
 * The plain subset of XML that ERPs and our own encoder send: an optional declaration, one root
 * element, elements without attributes, text, the five entities, character references and CDATA,
 * every character legal, white space around the root. Such a document has no DTD and passes the
 * validator and the character check by construction, so it is spared them (about a third of a
 * decode); anything else (comments, attributes, namespaces, any malformation) takes the full checks.
 */
const PLAIN_NAME = "[A-Za-z_][A-Za-z0-9_.-]*";
/** Legal characters but "<" and "&", or a whole surrogate pair. */
const PLAIN_TEXT = "[\\t\\n\\r\\x20-\\x25\\x27-\\x3B\\x3D-\\uD7FF\\uE000-\\uFFFD]+|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]";
const PLAIN_REFERENCE = "&(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});";
const PLAIN_CDATA =
  "<!\\[CDATA\\[(?:[\\t\\n\\r\\x20-\\uD7FF\\uE000-\\uFFFD]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*?\\]\\]>";
/** An opening, closing or empty-element tag, without attributes. */
const PLAIN_TAG = new RegExp(`<(?:/?${PLAIN_NAME}|${PLAIN_NAME}/)>`, "y");
const PLAIN_CONTENT = new RegExp(`(?:${PLAIN_TEXT}|${PLAIN_REFERENCE}|${PLAIN_CDATA})+`, "y");
const PLAIN_PROLOG = new RegExp(`(?:${DECLARATION})?${SPACE}*`, "y");
const PLAIN_END = new RegExp(`${SPACE}*$`, "y");
const SLASH = 0x2f;

/**
 * Where the root element of a plain document starts, after the declaration; undefined for any other
 * document. Sticky regexes tested from index to index: no match arrays, a third cheaper than exec.
 */
function plainRootStart(text: string): number | undefined {
  PLAIN_PROLOG.lastIndex = 0;
  PLAIN_PROLOG.test(text);
  const rootStart = PLAIN_PROLOG.lastIndex;
  let at = rootStart;
  const open: string[] = [];
  do {
    PLAIN_TAG.lastIndex = at;
    if (PLAIN_TAG.test(text)) {
      const end = PLAIN_TAG.lastIndex;
      if (text.charCodeAt(at + 1) === SLASH) {
        if (open.pop() !== text.slice(at + 2, end - 1)) return undefined;
      } else if (text.charCodeAt(end - 2) !== SLASH) {
        open.push(text.slice(at + 1, end - 1));
      }
      at = end;
    } else {
      PLAIN_CONTENT.lastIndex = at;
      // Content belongs inside the root, never before or after it.
      if (open.length === 0 || !PLAIN_CONTENT.test(text)) return undefined;
      at = PLAIN_CONTENT.lastIndex;
    }
  } while (open.length > 0);
  PLAIN_END.lastIndex = at;
  return PLAIN_END.test(text) ? rootStart : undefined;
}

type OrderedNode = Record<string, unknown>;

/** The checks a document outside the plain subset needs; returns its first illegal character, if any. */
const END_OF_MARKUP = new RegExp(`>${SPACE}*$`);

function checkWellFormed(text: string): ReturnType<typeof illegalXmlChar> {
  if (hasDtdMarkup(text)) {
    throw new QimenError(
      "QIMEN_XML_DTD_FORBIDDEN",
      "XML body contains a DOCTYPE or entity declaration: DTDs are not accepted, remove it",
    );
  }
  if (trimXmlSpace(text) === "") {
    throw new QimenError("QIMEN_XML_MALFORMED", "XML body is empty: send one root element");
  }
  const validation = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (validation !== true) {
    const misplaced = misplacedText(text) ?? cutShort(text, validation.err.msg);
    if (misplaced !== undefined) throw misplaced;
    const { line, col } = validation.err;
    const reason = truncate(validation.err.msg);
    // The validator leaves the column out for some errors (a document with no element at all).
    const position = (col as number | undefined) === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    throw new QimenError("QIMEN_XML_MALFORMED", `XML body is not well-formed at ${position}: ${reason}`, {
      context: { line, column: col, reason },
    });
  }
  // Only comments, PIs and whitespace may follow the root, so a document ends in ">". The validator
  // misses text after a self-closing root (`<request/>x`), and the parser silently drops it.
  if (!END_OF_MARKUP.test(text)) {
    throw new QimenError("QIMEN_XML_MALFORMED", "XML body has text after the root element: remove it");
  }
  return illegalXmlChar(text);
}

/**
 * Parses an untrusted XML document into a tree. Rejects, with a QimenError naming the problem,
 * anything that is not one well-formed element tree within the limits; never throws anything else
 * for any input. Limits outside 1..MAX_XML_DEPTH levels or below one byte are a programmer mistake:
 * OptionError (a RangeError).
 */
export function parseXml(input: string | Uint8Array, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  checkXmlLimits(limits);
  const text = toText(input, limits);
  const rootStart = plainRootStart(text);
  // Found here once; only a document that has one pays for the walk naming its element.
  const illegal = rootStart === undefined ? checkWellFormed(text) : undefined;
  const violation = markupViolation(text);
  if (violation !== undefined) throw violation;
  let nodes: OrderedNode[];
  try {
    // A plain document's declaration is cut off: the parser would read its attributes only to drop
    // them, a third of a small body's parse. Any other document reaches the parser as sent, so the
    // parser's diagnostics count positions in what was sent.
    const body = rootStart === undefined ? text : text.slice(rootStart);
    nodes = parserFor(limits.maxDepth).parse(body) as OrderedNode[];
  } catch (cause) {
    const message = truncate(cause instanceof Error ? cause.message : String(cause));
    if (/nest/i.test(message)) {
      throw tooDeep(limits);
    }
    throw new QimenError("QIMEN_XML_MALFORMED", `XML body could not be parsed: ${message}`, { cause });
  }
  const roots = nodes.filter((node) => elementName(node) !== undefined);
  const strayText = nodes.some(
    (node) => elementName(node) === undefined && TEXT in node && trimXmlSpace(node[TEXT] as string) !== "",
  );
  if (roots.length !== 1 || strayText) {
    throw new QimenError(
      "QIMEN_XML_MALFORMED",
      `XML body must have exactly one root element, found ${roots.length}${strayText ? " and text outside it" : ""}`,
      { context: { roots: roots.slice(0, MAX_LISTED_ROOTS).map((root) => excerpt(elementName(root) as string)) } },
    );
  }
  const root = toElement(roots[0] as OrderedNode, 1, limits, illegal !== undefined);
  if (illegal !== undefined) {
    // Not inside any element's text: in a comment, an attribute or between the root and the end.
    const { line, column } = linePosition(text, illegal.index);
    throw new QimenError(
      "QIMEN_XML_MALFORMED",
      `XML body contains ${illegal.codePoint} at line ${line}, column ${column}, which is not a legal XML character`,
      { context: { line, column, codePoint: illegal.codePoint } },
    );
  }
  return root;
}

/** The error context lists this many of a document's roots: enough to see what was sent. */
const MAX_LISTED_ROOTS = 10;

function truncate(text: string, maxLength = MAX_REASON_LENGTH): string {
  if (text.length <= maxLength) return text;
  // Never between the halves of a surrogate pair: a lone half is no character, and XML refuses it.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return `${text.slice(0, end)}…`;
}

/**
 * The children of an element whose children are single-valued fields, by name. A name given twice
 * is a QimenError QIMEN_FIELD_DUPLICATE: which of the two counts would be a guess.
 */
export function singleValuedChildren(parent: XmlElement): Map<string, XmlElement> {
  const byName = new Map<string, XmlElement>();
  for (const child of parent.children) {
    if (byName.has(child.name)) {
      throw new QimenError(
        "QIMEN_FIELD_DUPLICATE",
        `${quoteName(parent.name)} contains ${quoteName(child.name)} more than once`,
        { context: { field: `${excerpt(parent.name)}.${excerpt(child.name)}` } },
      );
    }
    byName.set(child.name, child);
  }
  return byName;
}

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ATTRIBUTES && key !== TEXT && key !== CDATA);
}

function tooDeep(limits: XmlLimits): QimenError {
  return new QimenError("QIMEN_XML_TOO_DEEP", `XML body nests elements deeper than ${limits.maxDepth} levels`, {
    context: { maxDepth: limits.maxDepth },
  });
}

/** `checkChars`: the document holds an illegal character, so each text is searched for it to name its element. */
function toElement(node: OrderedNode, depth: number, limits: XmlLimits, checkChars: boolean): XmlElement {
  if (depth > limits.maxDepth) throw tooDeep(limits);
  const name = elementName(node) as string;
  const content = node[name] as OrderedNode[];
  const children: XmlElement[] = [];
  let text = "";
  for (const item of content) {
    if (TEXT in item) {
      const raw = item[TEXT] as string;
      if (checkChars) rejectIllegalChars(raw, name);
      text += decodeEntities(raw, name);
    } else if (CDATA in item) {
      const data = (item[CDATA] as OrderedNode[]).map((part) => (part[TEXT] as string | undefined) ?? "").join("");
      if (checkChars) rejectIllegalChars(data, name);
      text += data;
    } else {
      children.push(toElement(item, depth + 1, limits, checkChars));
    }
  }
  return { name, children, text: trimXmlSpace(text) };
}

function rejectIllegalChars(text: string, elementName: string): void {
  const illegal = illegalXmlChar(text);
  if (illegal === undefined) return;
  throw new QimenError(
    "QIMEN_XML_MALFORMED",
    `${quoteName(elementName)} contains ${illegal.codePoint}, which is not a legal XML character`,
    { context: { element: excerpt(elementName), codePoint: illegal.codePoint } },
  );
}
