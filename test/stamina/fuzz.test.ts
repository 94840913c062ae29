import { expect } from "chai";
import fc from "fast-check";
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import { QimenError } from "../../src/protocol/errors.js";
import type { OrderCancelRequest } from "../../src/protocol/model.js";
import { ORDER_TYPE_CODES } from "../../src/protocol/order-types.js";
import { decodeCancelRequest, encodeCancelRequest } from "../../src/protocol/request-codec.js";
import { decodeResponse } from "../../src/protocol/response-codec.js";
import { ORDER_CANCEL_METHOD, signQuery } from "../../src/protocol/system-params.js";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import type { OrderDocument } from "../../src/wms/order-store.js";
import { createSandboxWms, type SandboxWms, type SandboxWmsUrls } from "../../src/wms/sandbox.js";
import { answersIn, exchange } from "../support/raw-http.js";
import { STAMINA } from "./knobs.js";

const NOW = new Date("2025-01-15T02:30:00.000Z");
const APP_KEY = "fuzz-erp";
const SECRET = "fuzz-secret";
const CUSTOMER_ID = "fuzz-wms";
/** Far below any timeout: a decode that takes this long on a body of a few hundred bytes is a hang. */
const MAX_DECODE_MS = 1000;

/** Orders the sandbox holds, so that mutated bodies of valid requests can really cancel something. */
const ORDERS: readonly OrderDocument[] = [
  { warehouseCode: "WH-1", orderCode: "SO-1", status: "NEW" },
  { warehouseCode: "WH-1", orderCode: "SO-2", ownerCode: "OWNER-1", orderType: "JYCK", status: "ACCEPT" },
  { warehouseCode: "WH-2", orderCode: "SO-1", status: "DELIVERED" },
  { warehouseCode: "WH-2", orderCode: "SO-3", status: "CANCELED" },
];

/** Pieces of XML and of its abuse: entities, DTDs, CDATA, comments, reserved names, deep nesting, whole elements. */
const XML_PIECES = [
  "<",
  ">",
  "&",
  "&amp;",
  "&lt;",
  "&#0;",
  "&#x110000;",
  "&#xD800;",
  "&undefined;",
  // Entity names a plain object would answer for: undefined entities like any other.
  "&constructor;",
  "&toString;",
  "&__proto__;",
  "&hasOwnProperty;",
  "<![CDATA[",
  "]]>",
  '<!DOCTYPE request [<!ENTITY x "y">]>',
  '<?xml version="1.0" encoding="utf-8"?>',
  "<?pi data?>",
  "<!-- note -->",
  // Comment, CDATA and PI openers inside one another: only document order says which is markup.
  "<!-- <![CDATA[ -->",
  "<![CDATA[<!--]]>",
  "<?pi <![CDATA[ ?>",
  "<!DOCTYPE request>",
  "<![CDATA[".repeat(20),
  "<!--".repeat(20),
  "<request>",
  "</request>",
  "<orderCode>",
  "</orderCode>",
  "<warehouseCode>WH-1</warehouseCode>",
  "<extendProps><__proto__>x</__proto__></extendProps>",
  "<constructor>x</constructor>",
  "<subSourceOrders><item/></subSourceOrders>",
  '<orderCode a="1">',
  "<unknown>x</unknown>",
  "<orderType>PTRK</orderType>",
  "<remark>r</remark>",
  "<cancelReason><![CDATA[<x> & y]]></cancelReason>",
  "<extendProps><k>v</k><k>w</k></extendProps>",
  "<subSourceOrders><sub_source_order><subSourceOrderCode>1</subSourceOrderCode></sub_source_order></subSourceOrders>",
  "\u0000",
  "\uFEFF",
  "\uD800",
  "客户",
  "<a>".repeat(40),
  "</a>".repeat(40),
];

const token = fc.string({ unit: fc.constantFrom(..."ABCOSW-_0123"), minLength: 1, maxLength: 8 });
const freeText = fc.string({ unit: "grapheme", maxLength: 30 });

const validRequest: fc.Arbitrary<OrderCancelRequest> = fc.record(
  {
    warehouseCode: fc.oneof(fc.constantFrom("WH-1", "WH-2", "OTHER"), token),
    orderCode: fc.oneof(fc.constantFrom("SO-1", "SO-2", "SO-3"), token),
    ownerCode: fc.oneof(fc.constant("OWNER-1"), token),
    orderType: fc.oneof(fc.constantFrom(...ORDER_TYPE_CODES), token),
    orderId: token,
    cancelReason: freeText,
    extendProps: fc.dictionary(fc.constantFrom("channel", "operator", "k_1"), freeText, { maxKeys: 2 }),
    subSourceOrders: fc.array(fc.record({ subSourceOrderCode: token }), { maxLength: 2 }),
  },
  { requiredKeys: ["warehouseCode", "orderCode"] },
);

/** Where in a text a mutation applies, as a fraction of its length. */
const position = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const at = (text: string, fraction: number): number => Math.floor(fraction * text.length);
const snippet = fc.oneof(fc.constantFrom(...XML_PIECES), fc.string({ unit: "binary", maxLength: 12 }));

type Mutation = (text: string) => string;
const insertAt = (text: string, index: number, piece: string): string =>
  text.slice(0, index) + piece + text.slice(index);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(position, snippet).map(
    ([where, piece]): Mutation =>
      (text) =>
        insertAt(text, at(text, where), piece),
  ),
  fc.tuple(position, fc.nat(20)).map(([where, length]): Mutation => (text) => {
    const index = at(text, where);
    return text.slice(0, index) + text.slice(index + length);
  }),
  fc.tuple(position, fc.nat(40)).map(([where, length]): Mutation => (text) => {
    const index = at(text, where);
    return text.slice(0, index + length) + text.slice(index);
  }),
  position.map(
    (where): Mutation =>
      (text) =>
        text.slice(0, at(text, where)),
  ),
);

/** A valid request's body with one to four blind mutations: inserted pieces, cuts, repeats, truncation. */
const mutatedBody = fc
  .tuple(validRequest, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([cancel, mutations]) => mutations.reduce((text, mutate) => mutate(text), encodeCancelRequest(cancel)));

/** Offsets inside the root where an element may start: before a child's opening tag or the root's closing one. */
function elementBoundaries(text: string): number[] {
  const rootContent = text.indexOf("<request>") + "<request>".length;
  return [...text.matchAll(/<(?=[A-Za-z_]|\/request>)/g)]
    .map(({ index }) => index)
    .filter((index) => index >= rootContent);
}

/** A valid request's body with whole elements spliced in between its elements: still well-formed XML. */
const splicedBody = fc
  .tuple(validRequest, fc.array(fc.tuple(position, fc.constantFrom(...XML_PIECES)), { minLength: 1, maxLength: 3 }))
  .map(([cancel, pieces]) =>
    pieces.reduce((text, [where, piece]) => {
      const boundaries = elementBoundaries(text);
      return insertAt(text, boundaries[Math.floor(where * boundaries.length)] ?? text.length, piece);
    }, encodeCancelRequest(cancel)),
  );

/** A mutated body as bytes with some bytes overwritten: invalid UTF-8 and stray control bytes. */
const corruptedBytes = fc
  .tuple(mutatedBody, fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
  .map(([text, flips]) => {
    const bytes = Buffer.from(text, "utf8");
    for (const [where, value] of flips) if (bytes.length > 0) bytes[Math.floor(where * bytes.length)] = value;
    return new Uint8Array(bytes);
  });

const randomBody = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }),
  fc.array(fc.oneof(fc.constantFrom(...XML_PIECES), token), { maxLength: 30 }).map((pieces) => pieces.join("")),
);

const anyBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { arbitrary: mutatedBody, weight: 3 },
  { arbitrary: splicedBody, weight: 3 },
  { arbitrary: corruptedBytes, weight: 1 },
  { arbitrary: randomBody, weight: 1 },
  { arbitrary: validRequest.map(encodeCancelRequest), weight: 1 },
);

function toBytes(body: string | Uint8Array): Buffer {
  return typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
}

/** How the call's query is made: signed right (most runs, so bodies reach the decoder) or spoilt. */
type Signing = "correct" | "wrong-secret" | "unsigned" | "stale" | "duplicated-param" | { readonly rawQuery: string };
const signing: fc.Arbitrary<Signing> = fc.oneof(
  { arbitrary: fc.constant("correct" as const), weight: 6 },
  { arbitrary: fc.constantFrom("wrong-secret", "unsigned", "stale", "duplicated-param"), weight: 3 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 60 }).map((rawQuery) => ({ rawQuery })), weight: 1 },
);

function queryFor(body: Buffer, how: Signing): string {
  if (typeof how === "object") return new URLSearchParams({ q: how.rawQuery }).toString().slice(2);
  const sentAt = how === "stale" ? new Date(NOW.getTime() - 3_600_000) : NOW;
  const system = {
    method: ORDER_CANCEL_METHOD.short,
    timestamp: formatBeijingTimestamp(sentAt),
    appKey: APP_KEY,
    customerId: CUSTOMER_ID,
  };
  const { params } = signQuery(system, body, how === "wrong-secret" ? "not-the-secret" : SECRET);
  const sent = how === "unsigned" ? params.filter(([key]) => key !== "sign") : params;
  const search = new URLSearchParams(sent as [string, string][]).toString();
  return how === "duplicated-param" ? `${search}&app_key=${APP_KEY}` : search;
}

const fuzzOptions = (numRuns: number) => ({ seed: STAMINA.seed, numRuns });

describe("stamina: fuzzing with mutated and random bodies", function () {
  this.timeout(Math.max(120_000, STAMINA.fuzzRuns * 50));

  describe(`decodeCancelRequest, ${STAMINA.fuzzRuns} bodies`, () => {
    it("never throws anything but a QimenError, and what it accepts names an order", () => {
      fc.assert(
        fc.property(anyBody, (body) => {
          try {
            const { request: decoded } = decodeCancelRequest(body);
            expect(decoded.orderCode).to.be.a("string").and.not.equal("");
            expect(decoded.warehouseCode).to.be.a("string").and.not.equal("");
            // What an entity named after an Object.prototype member used to decode to.
            expect(JSON.stringify(decoded)).not.to.include("[native code]");
          } catch (error) {
            if (!(error instanceof QimenError)) throw error;
          }
        }),
        fuzzOptions(STAMINA.fuzzRuns),
      );
    });

    it(`never hangs: every body is judged within ${MAX_DECODE_MS} ms`, () => {
      let slowest = 0;
      fc.assert(
        fc.property(anyBody, (body) => {
          const started = performance.now();
          try {
            decodeCancelRequest(body);
          } catch {
            // Rejections are the other test's business; this one times them.
          }
          slowest = Math.max(slowest, performance.now() - started);
        }),
        fuzzOptions(STAMINA.fuzzRuns),
      );
      expect(slowest).to.be.below(MAX_DECODE_MS);
    });
  });

  describe(`the sandbox WMS over HTTP, ${Math.ceil(STAMINA.fuzzRuns / 4)} calls`, () => {
    const log: string[] = [];
    let wms: SandboxWms;
    let urls: SandboxWmsUrls;
    let dispatcher: Agent;

    before(async () => {
      wms = createSandboxWms({
        credentials: { [APP_KEY]: SECRET },
        customerId: CUSTOMER_ID,
        now: () => NOW,
        log: (line) => void log.push(line),
      });
      for (const order of ORDERS) wms.store.put(order);
      urls = await wms.listen();
      dispatcher = new Agent();
    });
    after(async () => {
      await dispatcher?.close();
      await wms?.close();
    });

    it("answers every call with HTTP 200 and a valid envelope, and a rejected call changes nothing", async () => {
      await fc.assert(
        fc.asyncProperty(anyBody, signing, async (body, how) => {
          const bytes = toBytes(body);
          const before = wms.store.list();
          const response = await request(`${urls.qimenUrl.href}?${queryFor(bytes, how)}`, {
            method: "POST",
            headers: { "content-type": "text/xml;charset=utf-8" },
            body: bytes,
            dispatcher,
          });
          const text = await response.body.text();
          expect({ status: response.statusCode, contentType: response.headers["content-type"] }).to.deep.equal({
            status: 200,
            contentType: "text/xml;charset=utf-8",
          });
          const answer = decodeResponse(text);
          if (answer.flag === "failure") expect(wms.store.list()).to.deep.equal(before);
          else expect(how, "only a correctly signed call succeeds").to.equal("correct");
        }),
        fuzzOptions(Math.ceil(STAMINA.fuzzRuns / 4)),
      );
    });

    it("answers every call in origin or absolute form, then refuses junk after it only once it has answered", async () => {
      const target = fc.constantFrom("origin", "absolute", "absolute, another host");
      // Starts with a byte no HTTP method can: node:http's parser fails on it at once.
      const junk = fc.oneof(
        fc.constant(""),
        fc
          .tuple(fc.constantFrom("\x00", "\x16", "<", "{", "@"), fc.string({ unit: "binary", maxLength: 40 }))
          .map(([first, rest]) => first + rest),
      );
      await fc.assert(
        fc.asyncProperty(anyBody, signing, target, junk, async (body, how, form, trailing) => {
          const bytes = toBytes(body);
          const before = wms.store.list();
          const origin = form === "absolute" ? urls.qimenUrl.origin : form === "origin" ? "" : "http://wms.example.com";
          const head =
            `POST ${origin}${urls.qimenUrl.pathname}?${queryFor(bytes, how)} HTTP/1.1\r\nHost: sandbox\r\n` +
            `Content-Type: text/xml;charset=utf-8\r\nContent-Length: ${bytes.length}\r\n` +
            // Without junk to refuse, only this ends the connection.
            `${trailing === "" ? "Connection: close\r\n" : ""}\r\n`;
          const stream = await exchange(
            Number(urls.qimenUrl.port),
            Buffer.concat([Buffer.from(head), bytes, Buffer.from(trailing, "latin1")]),
          );
          const [answer, ...after] = answersIn(stream);
          expect({ status: answer?.status, after: after.map(({ status }) => status) }).to.deep.equal({
            status: "HTTP/1.1 200 OK",
            after: trailing === "" ? [] : ["HTTP/1.1 400 Bad Request"],
          });
          if (decodeResponse(answer?.body ?? "").flag === "failure") expect(wms.store.list()).to.deep.equal(before);
          else expect(how, "only a correctly signed call succeeds").to.equal("correct");
        }),
        fuzzOptions(Math.ceil(STAMINA.fuzzRuns / 8)),
      );
    });

    it("answers every state change nested thousands deep 400 (or 200 where ignored), in a few words, changing nothing", async () => {
      // Within the 64 KiB a state change may take: 6 bytes a level for objects, 2 for arrays.
      const nested = fc
        .tuple(fc.integer({ min: 1, max: 10_000 }), fc.boolean())
        .map(([depth, asArray]) =>
          asArray ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "0" + "}".repeat(depth),
        );
      const placed = fc.tuple(
        nested,
        fc.constantFrom(
          (value: string) => ({ status: 400, body: `{"state": "no order exists", "action": ${value}}` }),
          (value: string) => ({ status: 400, body: `{"state": ${value}}` }),
          (value: string) => ({ status: 400, body: `{"state": "an order exists", "params": ${value}}` }),
          (value: string) => ({
            status: 400,
            body: `{"state": "an order exists", "params": {"warehouseCode": "WH-1", "status": "NEW", "orderCode": ${value}}}`,
          }),
          (value: string) => ({
            status: 200,
            body: `{"state": "no order exists", "params": {"orderCode": "none", "x": ${value}}}`,
          }),
          // A whole body that is an object without "state" is a no-op.
          (value: string) => ({ status: value.startsWith("[") ? 400 : 200, body: value }),
        ),
      );
      await fc.assert(
        fc.asyncProperty(placed, async ([value, place]) => {
          const { status, body } = place(value);
          const before = wms.store.list();
          const response = await request(urls.stateChangeUrl, { method: "POST", body, dispatcher });
          const text = await response.body.text();
          expect({ status: response.statusCode, type: response.headers["content-type"] }).to.deep.equal({
            status,
            type: "application/json",
          });
          expect(text.length, "the answer echoes no nested value").to.be.below(4096);
          expect(wms.store.list()).to.deep.equal(before);
        }),
        fuzzOptions(Math.ceil(STAMINA.fuzzRuns / 20)),
      );
    });

    it("never hit an internal error nor logged a failed call (run after the calls above)", () => {
      const failed = log.filter((line) => /internal-error|verdict=error/.test(line));
      expect({ logged: log.length > 0, failed }).to.deep.equal({ logged: true, failed: [] });
    });
  });
});
