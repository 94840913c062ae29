/** The spellings a remote side may echo a secret or a sign in, for tests that prove none is shown. */
export interface Spelling {
  readonly name: string;
  readonly spell: (text: string) => string;
}

const XML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export function xmlEscaped(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

function numericRefs(text: string, base: 10 | 16): string {
  return [...text].map((char) => `&#${base === 16 ? "x" : ""}${(char.codePointAt(0) ?? 0).toString(base)};`).join("");
}

export const SPELLINGS: readonly Spelling[] = [
  { name: "as it is", spell: (text) => text },
  { name: "lower-cased", spell: (text) => text.toLowerCase() },
  { name: "upper-cased", spell: (text) => text.toUpperCase() },
  { name: "XML-escaped", spell: xmlEscaped },
  { name: "XML-escaped twice", spell: (text) => xmlEscaped(xmlEscaped(text)) },
  { name: "as decimal character references", spell: (text) => numericRefs(text, 10) },
  {
    name: "as hex character references, upper-case X",
    spell: (text) => numericRefs(text, 16).replaceAll("&#x", "&#X"),
  },
  { name: "percent-encoded", spell: encodeURIComponent },
  { name: "percent-encoded, lower-case hex", spell: (text) => encodeURIComponent(text).toLowerCase() },
  { name: "form-encoded (+ for a space)", spell: (text) => new URLSearchParams({ q: text }).toString().slice(2) },
  { name: "percent-encoded twice", spell: (text) => encodeURIComponent(encodeURIComponent(text)) },
  { name: "JSON-escaped", spell: (text) => JSON.stringify(text).slice(1, -1) },
  {
    name: "as JSON \\u escapes",
    spell: (text) => [...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
  },
  {
    name: "in a mix of XML and lower-cased percent escapes",
    spell: (text) => `${xmlEscaped(text.slice(0, 6))}${encodeURIComponent(text.slice(6)).toLowerCase()}`,
  },
];

/** Every spelling of each value, each once. */
export function everySpelling(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((value) => SPELLINGS.map(({ spell }) => spell(value))))];
}
