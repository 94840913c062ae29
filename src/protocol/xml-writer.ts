import { illegalXmlChar } from "./xml.js";

/** What every Qimen body starts with: SDKs and WMSs alike expect UTF-8 said out loud. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** Element content: text, child elements by name, or a list of same-named elements. */
export type XmlContent = string | XmlChildren | readonly (string | XmlChildren)[];
export interface XmlChildren {
  readonly [name: string]: XmlContent;
}

/* The characters fast-xml-parser's XMLBuilder escapes in text, so bodies stay byte for byte what it wrote. */
const MARKUP = /[&<>'"]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "'": "&apos;",
  '"': "&quot;",
};

/**
 * The document `<root>content</root>` after the declaration, markup in text escaped. Text XML
 * cannot carry at all (U+0000, most C0 controls, U+FFFE, lone surrogates) is a TypeError naming
 * its field: escaping cannot save it, and a receiver would reject the whole body.
 */
export function writeXmlDocument(root: string, content: XmlContent): string {
  rejectIllegalChars(content, root);
  return XML_DECLARATION + writeElement(root, content);
}

/*
 * Written by hand: the builder spent three quarters of an answer's encoding on features these few
 * names and texts never use (attributes, paths, stop nodes).
 */
function writeElement(name: string, content: XmlContent): string {
  if (typeof content === "string") return `<${name}>${content.replace(MARKUP, escape)}</${name}>`;
  if (Array.isArray(content)) {
    return (content as readonly XmlContent[]).map((item) => writeElement(name, item)).join("");
  }
  let children = "";
  for (const [child, value] of Object.entries(content)) children += writeElement(child, value);
  return `<${name}>${children}</${name}>`;
}

function escape(markup: string): string {
  return ESCAPES[markup] as string;
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
