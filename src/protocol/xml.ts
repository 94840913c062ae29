import { XMLParser, XMLValidator, type EntityDecoderOptions } from "fast-xml-parser";
import { OptionError, QimenError } from "./errors.js";
import { cutShort, linePosition, markupViolation, misplacedText } from "./xml-markup.js";
import { trimXmlSpace, XML_SPACE } from "./xml-space.js";
import { illegalXmlChar } from "./xml-chars.js";
import { scanMarkup } from "./xml-scan.js";
import { decodeEntities } from "./xml-entities.js";
import { plainRootStart } from "./xml-plain.js";
import { excerpt, quoteName, truncate } from "./xml-quote.js";

export { illegalXmlChar, replaceIllegalXmlChars } from "./xml-chars.js";
export { scanMarkup, type Markup, type MarkupKind } from "./xml-scan.js";
export { XML_ENTITIES } from "./xml-entities.js";
export { excerpt, quoteName } from "./xml-quote.js";

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

function hasDtdMarkup(text: string): boolean {
  // Every declaration starts with "<!": most documents are spared the scan.
  if (!text.includes("<!")) return false;
  for (const markup of scanMarkup(text)) if (markup.kind === "dtd") return true;
  return false;
}

type OrderedNode = Record<string, unknown>;

/** The checks a document outside the plain subset needs; returns its first illegal character, if any. */
const END_OF_MARKUP = new RegExp(`>${XML_SPACE}*$`);

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
