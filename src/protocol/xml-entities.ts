import { QimenError } from "./errors.js";
import { isXmlChar } from "./xml-chars.js";
import { excerpt, quoteName } from "./xml-quote.js";

/** XML's five predefined entities. A Map: a caller's `&constructor;` must find nothing, not Object.prototype's. */
export const XML_ENTITIES: ReadonlyMap<string, string> = new Map([
  ["lt", "<"],
  ["gt", ">"],
  ["amp", "&"],
  ["quot", '"'],
  ["apos", "'"],
]);
const ENTITY_REFERENCE = /&([^;&\s]*);?/g;

/** An element's raw text with its entity and character references decoded; QIMEN_XML_MALFORMED for a bare "&" or an undefined entity. */
export function decodeEntities(raw: string, elementName: string): string {
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
