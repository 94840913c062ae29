import { XMLParser } from "fast-xml-parser";
import { charsetParameter } from "./content-type.js";
import { isQimenError } from "./errors.js";
import { parseXml, XML_ENTITIES } from "./xml.js";

/*
 * How the official Alibaba Qimen Java SDK (DefaultQimenClient), which most ERPs run, reads a WMS's
 * answer, as measured against the SDK itself (docs/protocol.md, §6 "The official Java SDK, measured"). It
 * is stricter than XML, and than our own ERP client: a gate that passes what it cannot read breaks
 * every SDK-based ERP. Pure: no network, clock or environment.
 */

export interface SdkAnswer {
  readonly status: number;
  /** The Content-Type header as received, or undefined when there is none. */
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/**
 * Why the SDK cannot read an answer, or Qimen does not allow what it reads:
 * - `http-status`: not HTTP 200 (no Qimen answer; the SDK throws on 4xx/5xx);
 * - `quoted-charset`: `charset="utf-8"`, which Java refuses (UnsupportedEncodingException);
 * - `charset`: a charset other than UTF-8, which Qimen does not allow;
 * - `byte-order-mark`: one or more leading U+FEFF, which its SAX parse refuses;
 * - `text-before-xml`: anything before the root element but XML white space, or white space
 *   before the XML declaration (a CR/LF, a zero-width or no-break space): the same;
 * - `not-xml`: no well-formed document, in the words of the protocol core's decoder.
 */
export type SdkProblem =
  "http-status" | "quoted-charset" | "charset" | "byte-order-mark" | "text-before-xml" | "not-xml";

export type SdkReading =
  | {
      readonly readable: true;
      /** `isSuccess()`: `"success".equals(flag)`, the exact text, untrimmed. */
      readonly success: boolean;
      /** Each element's exact text (CDATA included, comments left out), undefined when absent. */
      readonly flag?: string;
      readonly code?: string;
      readonly message?: string;
    }
  | { readonly readable: false; readonly problem: SdkProblem; readonly reason: string };

/** Java decodes malformed bytes as U+FFFD and keeps a byte-order mark as U+FEFF: so do we. */
const JAVA_LIKE_UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });
const BYTE_ORDER_MARKS = /^\uFEFF+/;
/** XML's own white space: space, tab, CR, LF. Nothing else (U+00A0, U+3000 are content). */
const XML_SPACE = /^[ \t\r\n]*/;

/** What DefaultQimenClient makes of an answer: the flag it reads, or why it reads nothing. */
export function readAsSdk(answer: SdkAnswer): SdkReading {
  if (answer.status !== 200) {
    return unreadable("http-status", `it is HTTP ${answer.status}; a Qimen answer is HTTP 200`);
  }
  const charset = answer.contentType === undefined ? undefined : charsetParameter(answer.contentType);
  if (charset !== undefined && /^["']/.test(charset)) {
    return unreadable(
      "quoted-charset",
      `its Content-Type has a quoted charset (charset=${charset}), which the SDK passes as written to Java (UnsupportedEncodingException); write charset=utf-8 without quotes`,
    );
  }
  if (charset !== undefined && charset !== "" && !/^utf-?8$/i.test(charset)) {
    return unreadable(
      "charset",
      `its Content-Type says charset=${charset}, and Qimen answers are UTF-8 only; send the UTF-8 bytes with charset=utf-8`,
    );
  }
  const text = JAVA_LIKE_UTF8.decode(answer.body);
  return prologProblem(text) ?? readDocument(text);
}

function unreadable(problem: SdkProblem, reason: string): SdkReading {
  return { readable: false, problem, reason };
}

function prologProblem(text: string): SdkReading | undefined {
  const marks = BYTE_ORDER_MARKS.exec(text)?.[0].length ?? 0;
  if (marks > 0) {
    const what = marks === 1 ? "a UTF-8 byte-order mark" : `${marks} UTF-8 byte-order marks`;
    return unreadable("byte-order-mark", `it starts with ${what}; write the XML without a BOM`);
  }
  const space = XML_SPACE.exec(text)?.[0] ?? "";
  const rest = text.slice(space.length);
  if (space !== "" && rest.startsWith("<?xml")) {
    return unreadable(
      "text-before-xml",
      "it has white space or line breaks before the XML declaration; start the answer with <?xml",
    );
  }
  // Text without any markup after it is no XML at all (JSON, "OK"): the decoder says so.
  if (rest.includes("<") && !rest.startsWith("<")) {
    const first = rest.codePointAt(0) ?? 0;
    const shown = `U+${first.toString(16).toUpperCase().padStart(4, "0")}`;
    return unreadable(
      "text-before-xml",
      `it has text before the XML (starting with ${shown}); start the answer with <?xml or <response>`,
    );
  }
  return undefined;
}

/** The exact text, so the parse keeps every space; markup and entities as in parseXml, which vetted the document. */
const EXACT = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: "#cdata",
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
});

type Node = Record<string, unknown>;

function readDocument(text: string): SdkReading {
  try {
    parseXml(text);
  } catch (error) {
    if (!isQimenError(error)) throw error;
    return unreadable("not-xml", error.message);
  }
  let nodes: Node[];
  try {
    nodes = EXACT.parse(text) as Node[];
  } catch (error) {
    // parseXml vetted the document, so this is not expected; an answer must never crash the gate.
    return unreadable(
      "not-xml",
      `the XML could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const root = nodes.find((node) => elementName(node) !== undefined);
  const children = root === undefined ? [] : childNodes(root);
  const exactText = (name: string): string | undefined => {
    const element = children.find((child) => elementName(child) === name);
    return element === undefined ? undefined : textOf(childNodes(element));
  };
  const [flag, code, message] = [exactText("flag"), exactText("code"), exactText("message")];
  return {
    readable: true,
    success: flag === "success",
    ...(flag === undefined ? {} : { flag }),
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
  };
}

function elementName(node: Node): string | undefined {
  return Object.keys(node).find((key) => key !== "#text" && key !== "#cdata" && key !== ":@");
}

function childNodes(node: Node): Node[] {
  const name = elementName(node);
  const value = name === undefined ? undefined : node[name];
  return Array.isArray(value) ? (value as Node[]) : [];
}

/** Text and CDATA directly inside an element, concatenated, entities decoded: what Java's DOM gives. */
function textOf(nodes: readonly Node[]): string {
  return nodes
    .map((node) => {
      if (typeof node["#text"] === "string") return decodeEntities(node["#text"]);
      // CDATA is data: never entity-decoded.
      const cdata = Array.isArray(node["#cdata"]) ? (node["#cdata"] as Node[]) : [];
      return cdata.map((part) => (typeof part["#text"] === "string" ? part["#text"] : "")).join("");
    })
    .join("");
}

function decodeEntities(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (match, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return XML_ENTITIES.get(name) ?? match;
  });
}
