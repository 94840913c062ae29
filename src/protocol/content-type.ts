/*
 * The Content-Types a Qimen call may carry, as the official Java SDK takes them (docs/protocol.md, §6 "The
 * official Java SDK, measured"). One grammar for both sides, so the contract's header matchers, the
 * gate's words and the SDK reading cannot disagree:
 *
 *   media type [ ";" [ charset "=" utf-8 | utf8 ] ]...     (spaces and tabs around ";" and "=")
 *
 * - An ERP's request: `text/xml` or `application/xml` in lower case, what `SpiUtils` accepts (it
 *   throws "Unspported SPI request" for `Text/XML`).
 * - A WMS's answer: `text/xml`, `application/xml`, `text/plain` or `plain/text` in any case: the
 *   SDK reads the body whatever the type says, and real WMSs send these.
 * - The charset, when given, is UTF-8 (`utf-8` or `utf8`, any case) and unquoted: the SDK passes
 *   the value as written to Java, which throws UnsupportedEncodingException for `"utf-8"`, and
 *   Qimen allows no other charset. Empty parameters (`text/xml; charset=utf-8;`, legal HTTP, common
 *   in PHP) are fine; any other parameter is not one of the accepted forms.
 */

import { excerpt } from "./xml.js";

export type ContentTypeSide = "request" | "answer";

export type ContentTypeProblem =
  | { readonly kind: "missing" }
  | { readonly kind: "media-type"; readonly mediaType: string }
  | { readonly kind: "quoted-charset"; readonly charset: string }
  | { readonly kind: "charset"; readonly charset: string }
  | { readonly kind: "parameter"; readonly parameter: string };

const MEDIA_TYPES: Readonly<Record<ContentTypeSide, readonly string[]>> = {
  request: ["text/xml", "application/xml"],
  answer: ["text/xml", "application/xml", "text/plain", "plain/text"],
};
/** SpiUtils compares the request's type as written; the SDK client never looks at the answer's. */
const ANY_CASE: Readonly<Record<ContentTypeSide, boolean>> = { request: false, answer: true };

const UTF8 = /^utf-?8$/i;
const OWS = /^[ \t]+|[ \t]+$/g;

/** The accepted forms in words, for messages: what to send instead. */
export const ACCEPTED_CONTENT_TYPES: Readonly<Record<ContentTypeSide, string>> = {
  request:
    "text/xml or application/xml in lower case, with an unquoted UTF-8 charset or none (text/xml;charset=utf-8, application/xml; charset=UTF-8, text/xml;charset=utf8, application/xml)",
  answer:
    'text/xml, application/xml, text/plain or plain/text in any case, with an unquoted UTF-8 charset or none (text/xml;charset=utf-8, TEXT/XML; charset=UTF-8;, text/plain); never a quoted charset="utf-8", never another charset',
};

function withoutSpace(text: string): string {
  return text.replace(OWS, "");
}

/**
 * The first `charset` parameter's value as the SDK takes it (trimmed, quotes kept), or undefined
 * when there is none: it splits the header on ";" and uses the first parameter naming a charset.
 */
export function charsetParameter(contentType: string): string | undefined {
  for (const parameter of contentType.split(";").slice(1)) {
    const [name = "", ...value] = parameter.split("=");
    if (withoutSpace(name).toLowerCase() === "charset" && value.length > 0) return withoutSpace(value.join("="));
  }
  return undefined;
}

/** What is wrong with a Content-Type for the side, or undefined when it is one of the accepted forms. */
export function contentTypeProblem(
  side: ContentTypeSide,
  contentType: string | undefined,
): ContentTypeProblem | undefined {
  if (contentType === undefined) return { kind: "missing" };
  const [type = "", ...parameters] = contentType.split(";");
  const mediaType = type.replace(/[ \t]+$/, "");
  const known = MEDIA_TYPES[side].some((accepted) =>
    ANY_CASE[side] ? accepted === mediaType.toLowerCase() : accepted === mediaType,
  );
  if (!known) return { kind: "media-type", mediaType };
  for (const parameter of parameters) {
    if (withoutSpace(parameter) === "") continue;
    const equals = parameter.indexOf("=");
    const name = withoutSpace(equals === -1 ? parameter : parameter.slice(0, equals)).toLowerCase();
    if (name !== "charset" || equals === -1) return { kind: "parameter", parameter: withoutSpace(parameter) };
    const charset = withoutSpace(parameter.slice(equals + 1));
    if (/^["']/.test(charset)) return { kind: "quoted-charset", charset };
    if (!UTF8.test(charset)) return { kind: "charset", charset };
  }
  return undefined;
}

/** What to say about a Content-Type problem: what is wrong, why, and the accepted forms. */
export function describeContentTypeProblem(side: ContentTypeSide, problem: ContentTypeProblem): string {
  const accepted = `send ${ACCEPTED_CONTENT_TYPES[side]}`;
  switch (problem.kind) {
    case "missing":
      return `there is no Content-Type header: ${accepted}`;
    case "media-type":
      return `Content-Type "${excerpt(problem.mediaType)}" is not a type a Qimen ${side === "request" ? "WMS accepts (the SDK's SpiUtils refuses it)" : "ERP expects"}: ${accepted}`;
    case "quoted-charset":
      return `the charset is quoted (charset=${excerpt(problem.charset)}), which the official Qimen Java SDK passes as written to Java and fails with UnsupportedEncodingException: ${accepted}`;
    case "charset":
      return `charset=${excerpt(problem.charset)} is not UTF-8, and Qimen allows no other charset: ${accepted}`;
    case "parameter":
      return `the Content-Type parameter "${excerpt(problem.parameter)}" is not one of the accepted forms: ${accepted}`;
  }
}

/** `[Xx][Mm][Ll]`: Pact's core (Rust regex) has no `i` flag, JavaScript no inline `(?i)`. */
function anyCase(word: string): string {
  return word.replace(/[a-z]/gi, (letter) => `[${letter.toUpperCase()}${letter.toLowerCase()}]`);
}

/**
 * The same grammar as a regex for Pact's header matchers (valid in JavaScript and in Rust's regex
 * crate, which has no look-around): a Content-Type matches exactly when contentTypeProblem finds
 * nothing wrong with it.
 */
export function contentTypePattern(side: ContentTypeSide): string {
  const types = MEDIA_TYPES[side].map((type) => (ANY_CASE[side] ? anyCase(type) : type)).join("|");
  const charset = `${anyCase("charset")}[ \\t]*=[ \\t]*${anyCase("utf")}-?8`;
  return `^(?:${types})[ \\t]*(?:;[ \\t]*(?:${charset}[ \\t]*)?)*$`;
}
