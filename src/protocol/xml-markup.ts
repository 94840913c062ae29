import { QimenError } from "./errors.js";

/**
 * Well-formedness rules fast-xml-parser's validator lets through but every mainstream XML parser
 * (Xerces in the Java SDK, libxml2, .NET's XmlReader, expat) enforces. A WMS or ERP tested only
 * against a lenient reader would otherwise pass documents its peers cannot read.
 */

/** Where the markup this scan cares about begins; everything between is text or tags. */
const MARKUP = /<!--|<!\[CDATA\[|<\?|\]\]>|<[A-Za-z_:]/g;
/** A start tag, quoted attribute values skipped whole: `]]>` or `>` inside them is no markup. */
const START_TAG = /<[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>/y;
const XML_TARGET = /^<\?xml(?=[ \t\r\n?]|$)/i;

/**
 * The first violation in `text` (already without one leading byte-order mark), as a QimenError
 * QIMEN_XML_MALFORMED naming it and where it is; undefined when there is none, or when the scan
 * cannot tell (an unterminated comment, CDATA section, PI or tag), which the validator then refuses.
 * One pass, each character looked at a bounded number of times.
 */
export function markupViolation(text: string): QimenError | undefined {
  if (text.startsWith("\uFEFF")) {
    return malformed("starts with a second byte-order mark (U+FEFF): write one at most, or none", text, 0);
  }
  // Most documents have none of this markup: spare them the scan.
  if (!text.includes("]]>") && !text.includes("<!--") && text.indexOf("<?", 1) === -1) return undefined;
  MARKUP.lastIndex = 0;
  for (let match = MARKUP.exec(text); match !== null; match = MARKUP.exec(text)) {
    const at = match.index;
    const marker = match[0];
    let end: number;
    if (marker === "<!--") {
      end = text.indexOf("-->", at + 4);
      if (end === -1) return undefined;
      // "--" may not occur inside a comment, nor may it end in "-" (so "--->" is refused too).
      const doubleHyphen = text.indexOf("--", at + 4);
      if (doubleHyphen < end) {
        return malformed('has "--" inside a comment, which XML forbids: remove it or put a space between', text, at);
      }
      end += 3;
    } else if (marker === "<![CDATA[") {
      end = text.indexOf("]]>", at + 9);
      if (end === -1) return undefined;
      end += 3;
    } else if (marker === "<?") {
      end = text.indexOf("?>", at + 2);
      if (end === -1) return undefined;
      if (XML_TARGET.test(text.slice(at, end + 2)) && (at !== 0 || !text.startsWith("<?xml"))) {
        return malformed(
          at === 0
            ? 'starts with a processing instruction named like the declaration but not "<?xml": write <?xml in lower case'
            : "has an XML declaration that is not at the very start of the document: write it first, once, or leave it out",
          text,
          at,
        );
      }
      end += 2;
    } else if (marker === "]]>") {
      return malformed('has "]]>" in its text, which XML forbids outside CDATA: write it as ]]&gt;', text, at);
    } else {
      START_TAG.lastIndex = at;
      if (!START_TAG.test(text)) return undefined;
      end = START_TAG.lastIndex;
    }
    MARKUP.lastIndex = end;
  }
  return undefined;
}

/** Up to 20 characters of it, whole ones (`u`): a quote never ends between the halves of a surrogate pair. */
const LEADING_TEXT = /^[ \t\r\n]*([^< \t\r\n][^<]{0,19})/u;
/** The two ways the validator says the document ended with elements open: the innermost is last. */
const UNCLOSED_AT_END = /^Unclosed tag '([^']*)'\.$|^Invalid '\[(.*)\]' found\.$/;

/** Text before the root element, where the validator would only name its first character. */
export function misplacedText(text: string): QimenError | undefined {
  const stray = LEADING_TEXT.exec(text)?.[1];
  if (stray === undefined) return undefined;
  return malformed(
    `has text before the root element (starting with ${JSON.stringify(stray)}): start with <?xml or the root element`,
    text,
    text.indexOf(stray),
  );
}

/**
 * A document that ends while elements are still open, from the validator's own diagnostic (which
 * points at line 1, column 1): said as where it really is, the end, inside the innermost element.
 */
export function cutShort(text: string, validatorMessage: string): QimenError | undefined {
  const match = UNCLOSED_AT_END.exec(validatorMessage);
  if (match === null) return undefined;
  const names = match[1] === undefined ? (JSON.parse(`[${match[2] ?? ""}]`) as unknown[]) : [match[1]];
  const innermost = names.at(-1);
  if (typeof innermost !== "string") return undefined;
  return malformed(`ends inside <${innermost}>: it was cut off, or a closing tag is missing`, text, text.length);
}

/** Line and column (both from 1) of `index` in `text`, as an editor shows them. */
export function linePosition(text: string, index: number): { readonly line: number; readonly column: number } {
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: (before.at(-1) as string).length + 1 };
}

function malformed(problem: string, text: string, index: number): QimenError {
  const { line, column } = linePosition(text, index);
  return new QimenError("QIMEN_XML_MALFORMED", `XML body ${problem} (line ${line}, column ${column})`, {
    context: { line, column },
  });
}
