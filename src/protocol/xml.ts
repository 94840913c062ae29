import { XMLParser, XMLValidator } from "fast-xml-parser";
import { QimenError } from "./errors.js";

/** A parsed element: its child elements in document order and its own decoded text. */
export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[];
  /** Text and CDATA directly inside the element, entities decoded, surrounding whitespace trimmed. */
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

/**
 * Element names fast-xml-parser refuses outright (prototype pollution guard), so no document can
 * carry them: encoders must not produce them either.
 */
export const RESERVED_ELEMENT_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

function checkLimits(limits: XmlLimits): void {
  if (!Number.isSafeInteger(limits.maxBytes) || limits.maxBytes < 1) {
    throw new RangeError(`XmlLimits.maxBytes must be a positive integer, got ${limits.maxBytes}`);
  }
  if (!Number.isSafeInteger(limits.maxDepth) || limits.maxDepth < 1 || limits.maxDepth > MAX_XML_DEPTH) {
    throw new RangeError(`XmlLimits.maxDepth must be an integer from 1 to ${MAX_XML_DEPTH}, got ${limits.maxDepth}`);
  }
}

const TEXT = "#text";
const CDATA = "#cdata";
const ATTRIBUTES = ":@";

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
    trimValues: true,
    processEntities: false,
    htmlEntities: false,
    cdataPropName: CDATA,
    commentPropName: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    removeNSPrefix: false,
    allowBooleanAttributes: false,
    alwaysCreateTextNode: false,
    maxNestedTags: maxDepth + 1,
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

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const ENTITY_REFERENCE = /&([^;&\s]*);?/g;

function decodeEntities(raw: string, elementName: string): string {
  return raw.replace(ENTITY_REFERENCE, (match: string, name: string) => {
    if (!match.endsWith(";")) {
      throw new QimenError("QIMEN_XML_MALFORMED", `<${elementName}> contains a bare "&": escape it as &amp;`, {
        context: { element: elementName },
      });
    }
    const named = XML_ENTITIES[name];
    if (named !== undefined) return named;
    const codePoint = /^#x[0-9a-fA-F]+$/.test(name)
      ? Number.parseInt(name.slice(2), 16)
      : /^#[0-9]+$/.test(name)
        ? Number.parseInt(name.slice(1), 10)
        : undefined;
    if (codePoint === undefined) {
      throw new QimenError(
        "QIMEN_XML_MALFORMED",
        `<${elementName}> uses the undefined entity "&${name};": only &lt; &gt; &amp; &quot; &apos; and numeric references are allowed`,
        { context: { element: elementName, entity: name } },
      );
    }
    if (!isXmlChar(codePoint)) {
      throw new QimenError(
        "QIMEN_XML_MALFORMED",
        `<${elementName}> contains "${match}", which is not a legal XML character`,
        {
          context: { element: elementName, entity: name },
        },
      );
    }
    return String.fromCodePoint(codePoint);
  });
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const BYTE_ORDER_MARK = "\uFEFF";
const CDATA_SECTION = /<!\[CDATA\[[\s\S]*?\]\]>/g;
const DTD_MARKUP = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;

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

type OrderedNode = Record<string, unknown>;

/**
 * Parses an untrusted XML document into a tree. Rejects, with a QimenError naming the problem,
 * anything that is not one well-formed element tree within the limits; never throws anything else
 * for any input. Limits outside 1..MAX_XML_DEPTH levels or below one byte are a programmer mistake:
 * RangeError.
 */
export function parseXml(input: string | Uint8Array, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  checkLimits(limits);
  const text = toText(input, limits);
  if (DTD_MARKUP.test(text.replace(CDATA_SECTION, ""))) {
    throw new QimenError(
      "QIMEN_XML_DTD_FORBIDDEN",
      "XML body contains a DOCTYPE or entity declaration: DTDs are not accepted, remove it",
    );
  }
  if (text.trim() === "") {
    throw new QimenError("QIMEN_XML_MALFORMED", "XML body is empty: send one root element");
  }
  const validation = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (validation !== true) {
    const { line, col } = validation.err;
    const reason = truncate(validation.err.msg);
    // The validator leaves the column out for some errors (a document with no element at all).
    const position = (col as number | undefined) === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    throw new QimenError("QIMEN_XML_MALFORMED", `XML body is not well-formed at ${position}: ${reason}`, {
      context: { line, column: col, reason },
    });
  }
  let nodes: OrderedNode[];
  try {
    nodes = parserFor(limits.maxDepth).parse(text) as OrderedNode[];
  } catch (cause) {
    const message = truncate(cause instanceof Error ? cause.message : String(cause));
    if (/nest/i.test(message)) {
      throw tooDeep(limits);
    }
    throw new QimenError("QIMEN_XML_MALFORMED", `XML body could not be parsed: ${message}`, { cause });
  }
  const roots = nodes.filter((node) => elementName(node) !== undefined);
  const strayText = nodes.some((node) => elementName(node) === undefined && TEXT in node);
  if (roots.length !== 1 || strayText) {
    throw new QimenError(
      "QIMEN_XML_MALFORMED",
      `XML body must have exactly one root element, found ${roots.length}${strayText ? " and text outside it" : ""}`,
      { context: { roots: roots.map(elementName) } },
    );
  }
  return toElement(roots[0] as OrderedNode, 1, limits);
}

function truncate(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason;
}

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ATTRIBUTES && key !== TEXT && key !== CDATA);
}

function tooDeep(limits: XmlLimits): QimenError {
  return new QimenError("QIMEN_XML_TOO_DEEP", `XML body nests elements deeper than ${limits.maxDepth} levels`, {
    context: { maxDepth: limits.maxDepth },
  });
}

function toElement(node: OrderedNode, depth: number, limits: XmlLimits): XmlElement {
  if (depth > limits.maxDepth) throw tooDeep(limits);
  const name = elementName(node) as string;
  const content = node[name] as OrderedNode[];
  const children: XmlElement[] = [];
  let text = "";
  for (const item of content) {
    if (TEXT in item) {
      text += decodeEntities(item[TEXT] as string, name);
    } else if (CDATA in item) {
      text += (item[CDATA] as OrderedNode[]).map((part) => (part[TEXT] as string | undefined) ?? "").join("");
    } else {
      children.push(toElement(item, depth + 1, limits));
    }
  }
  return { name, children, text: text.trim() };
}
