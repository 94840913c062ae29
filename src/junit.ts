import { replaceIllegalXmlChars } from "./protocol/xml.js";

/* The XML pieces of a JUnit report, shared by every command that writes one (verify, record). */

/** Seconds with three decimals, as JUnit's `time` attribute takes them. */
export function junitSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** `name="value" …`, each value escaped for an attribute. */
export function junitAttributes(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${junitText(String(value)).replaceAll('"', "&quot;")}"`)
    .join(" ");
}

/** XML text: markup escaped, and characters XML 1.0 forbids (control codes, lone surrogates) replaced. */
export function junitText(value: string): string {
  return replaceIllegalXmlChars(value, () => "\uFFFD")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}
