import { XML_SPACE } from "./xml-space.js";

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
export function plainRootStart(text: string): number | undefined {
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
