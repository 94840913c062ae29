import type { IncomingMessage } from "node:http";
import { isQimenError } from "../src/protocol/errors.js";
import { decodeResponse } from "../src/protocol/response-codec.js";
import type { PactOutcome } from "./pact-results.js";
import { MARKER_HEADER } from "./shards.js";
import type { HttpAnswer } from "./transport.js";
import type { RemovedForPact } from "./worker-protocol.js";

/*
 * What the relay between Pact's verifier core and the WMS passes on (see pact-session.ts): the
 * call's headers to the WMS, and of the WMS's answer what Pact's matcher can judge in bounded time.
 */

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Hop-by-hop and framing headers: each leg of a relay sets its own. */
const NOT_RELAYED = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "te",
  "trailer",
  "upgrade",
  "proxy-authorization",
  "proxy-connection",
  // So the provider answers uncompressed bytes (a gzip answer is inflated by transport.ts, within bounds).
  "accept-encoding",
  // Ours, telling which interaction a call belongs to (shards.ts); never the WMS's business.
  MARKER_HEADER,
  // Pact's core would follow a redirect, and what the follow-up fetched would be judged instead of
  // the WMS's answer: without it the 3xx itself is judged, and fails.
  "location",
]);

/** The call's headers as the WMS receives them: the contract's, without hop-by-hop ones and our marker. */
export function relayedHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  // fromEntries defines own properties: a header named like an Object.prototype member stays a header.
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) =>
      value === undefined || NOT_RELAYED.has(name) ? [] : [[name, Array.isArray(value) ? value.join(", ") : value]],
    ),
  );
}

/**
 * The answer's headers that Pact checks (the contract's, and Content-Type, which picks Pact's body
 * matcher), one line each, values joined as HTTP allows. Pact ignores every other header, and its
 * core reads at most 100 header lines: a WMS answering with 2 000 must not fail for that.
 */
export function checkedHeaders(answered: HttpAnswer["headers"], checked: readonly string[]): Map<string, string> {
  const wanted = new Set(["content-type", ...checked]);
  const values = new Map<string, string>();
  for (const [name, value] of answered) {
    if (!wanted.has(name) || NOT_RELAYED.has(name)) continue;
    const earlier = values.get(name);
    values.set(name, earlier === undefined ? value : `${earlier}, ${value}`);
  }
  return values;
}

/**
 * What Pact's matcher is shown of an answer's body:
 * - nothing (an empty stand-in) when the ERP client's decoder refuses the body for its size or
 *   depth: Pact's XML matcher takes time quadratic in the depth (100 000 nested elements kept it
 *   busy for minutes), and the client's refusal already fails the interaction, in its own words;
 * - else the body without what XML allows and the ERP client accepts but Pact's matcher fails on:
 *   a leading byte-order mark (.NET WMSs send one; Pact cannot parse it) and a default namespace
 *   on the root (Pact names the root `{namespace}:response`).
 * The report notes each change, as it does a gzip body inflated; the ERP client's opinion is formed
 * on the body as received (inflated).
 */
export function forPact(answer: HttpAnswer): { readonly relayed: Buffer; readonly removed: RemovedForPact[] } {
  const removed: RemovedForPact[] = answer.decodedFrom === "gzip" ? ["gzip-content-encoding"] : [];
  if (refusedForItsSize(answer.body)) return { relayed: Buffer.alloc(0), removed: [...removed, "body-withheld"] };
  let relayed = answer.body;
  if (relayed.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) {
    relayed = relayed.subarray(UTF8_BOM.length);
    removed.push("byte-order-mark");
  }
  // Latin-1 maps each byte to one character and back, so only the matched ASCII changes.
  const text = relayed.toString("latin1");
  const root = ROOT_START_TAG.exec(text);
  const attributes = root?.groups?.["attributes"] ?? "";
  const withoutNamespace = attributes.replace(DEFAULT_NAMESPACE, "");
  if (root !== null && withoutNamespace !== attributes) {
    const start = root.index + root[0].length - attributes.length - 1;
    relayed = Buffer.from(text.slice(0, start) + withoutNamespace + text.slice(start + attributes.length), "latin1");
    removed.push("root-default-namespace");
  }
  return { relayed, removed };
}

/** Our decoder's refusals of a body too large or too deeply nested for it. */
const SIZE_REFUSALS: ReadonlySet<unknown> = new Set(["QIMEN_XML_TOO_LARGE", "QIMEN_XML_TOO_DEEP"]);
/**
 * Past this size a body the client refuses for any reason is withheld too: a deep document that
 * is also malformed (text after the root) is refused before its depth is looked at, and Pact's
 * matcher would still take quadratic time on it. Smaller refused bodies reach Pact, whose
 * findings then say more.
 */
const WITHHELD_WHEN_REFUSED_BYTES = 16 * 1024;

function refusedForItsSize(body: Buffer): boolean {
  try {
    decodeResponse(body);
    return false;
  } catch (error) {
    if (!isQimenError(error)) return false;
    return SIZE_REFUSALS.has(error.context["xmlError"]) || body.length > WITHHELD_WHEN_REFUSED_BYTES;
  }
}

/**
 * The root element's start tag, after the prolog (declaration, comments, processing instructions), when unprefixed.
 * White space is XML's own, one character per turn: `(?:\s+)*` backtracks exponentially on a run of spaces.
 */
const ROOT_START_TAG =
  /^(?:[ \t\r\n]|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<[A-Za-z_][\w.-]*(?<attributes>(?:[ \t\r\n][^>]*)?)>/;
/** `xmlns="…"`, the default namespace declaration; never `xmlns:prefix="…"`. */
const DEFAULT_NAMESPACE = /[ \t\r\n]+xmlns[ \t\r\n]*=[ \t\r\n]*(?:"[^"]*"|'[^']*')/;

/**
 * Pact's verdict, without its findings on the body when Pact was shown a stand-in: they are about
 * the stand-in, not the answer. Never a pass: the ERP client refused that body.
 */
export function judgedWithout(outcome: PactOutcome, bodyWithheld: boolean): PactOutcome {
  if (!bodyWithheld) return outcome;
  const aboutBody = (where: string): boolean => where === "body" || where.startsWith("body ");
  return { passed: false, problems: outcome.problems.filter(({ where }) => !aboutBody(where)) };
}
