import { XMLBuilder } from "fast-xml-parser";
import { illegalXmlChar } from "./xml.js";

/** What every Qimen body starts with: SDKs and WMSs alike expect UTF-8 said out loud. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** Element content: text, child elements by name, or a list of same-named elements. */
export type XmlContent = string | readonly XmlContent[] | { readonly [name: string]: XmlContent };

const builder = new XMLBuilder({
  format: false,
  ignoreAttributes: true,
  suppressEmptyNode: false,
  processEntities: true,
});

/**
 * The document `<root>content</root>` after the declaration, markup in text escaped. Text XML
 * cannot carry at all (U+0000, most C0 controls, U+FFFE, lone surrogates) is a TypeError naming
 * its field: escaping cannot save it, and a receiver would reject the whole body.
 */
export function writeXmlDocument(root: string, content: XmlContent): string {
  rejectIllegalChars(content, root);
  return XML_DECLARATION + String(builder.build({ [root]: content }));
}

function rejectIllegalChars(content: XmlContent, path: string): void {
  if (typeof content === "string") {
    const illegal = illegalXmlChar(content);
    if (illegal !== undefined) {
      throw new TypeError(
        `${path} contains ${illegal.codePoint} at index ${illegal.index}, which XML cannot carry even escaped: remove or replace it`,
      );
    }
  } else if (Array.isArray(content)) {
    (content as readonly XmlContent[]).forEach((item, index) => rejectIllegalChars(item, `${path}[${index}]`));
  } else {
    for (const [name, child] of Object.entries(content)) rejectIllegalChars(child, `${path}.${name}`);
  }
}
