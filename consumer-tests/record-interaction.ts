import { deepStrictEqual } from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";
import { MatchersV3, PactV4, XmlBuilder, type XmlElement } from "@pact-foundation/pact";
import { getFfiLib } from "@pact-foundation/pact-core";
import {
  createQimenClient,
  encodeCancelRequest,
  formatBeijingTimestamp,
  ORDER_CANCEL_METHOD,
  signQuery,
  type CancelResult,
  type OrderCancelRequest,
  type QimenClientLogger,
} from "../src/index.js";
import { QIMEN_API_VERSION, QIMEN_FORMAT } from "../src/protocol/system-params.js";
import { TIMESTAMP_PATTERN } from "../src/protocol/timestamp.js";
import type { SecretCanaries } from "./canary.js";
import {
  ANSWER_CONTENT_TYPE_PATTERN,
  BAD_SIGNATURE_COMMENT,
  EXAMPLE_NOW,
  EXAMPLE_SECRET,
  ORDER_TYPE_PATTERN,
  PATH_PATTERN,
  REQUEST_CONTENT_TYPE_PATTERN,
  SIGN_PATTERN,
  TEXT_PATTERN,
  TOKEN_PATTERN,
} from "../src/contract-conventions.js";
import { CONSUMER, PROVIDER } from "./contract.js";
import { stateParams, type InteractionSpec, type WmsAnswer } from "./interactions.js";

const { regex } = MatchersV3;

/** The clock every recorded call uses, so timestamps (and the contract) never change. */
export const FIXED_NOW = EXAMPLE_NOW;
export const EXAMPLE_APP_KEY = "qimen-pact-example-app";
export const EXAMPLE_CUSTOMER_ID = "qimen-pact-example-customer";
/** Where the ERP calls the gateway; each WMS registers its own path, so the path is matched by shape. */
export const EXAMPLE_PATH = "/router/qimen/service";
/**
 * The wrong-secret interaction's example sign really is wrong: made with this published secret
 * instead of EXAMPLE_SECRET. The client under test never uses either: it runs with a random canary.
 */
const WRONG_EXAMPLE_SECRET = "qimen-pact-wrong-secret";

const EXAMPLE_CONTENT_TYPE = "text/xml;charset=utf-8";
const REQUEST_HEADERS = { "Content-Type": regex(REQUEST_CONTENT_TYPE_PATTERN, EXAMPLE_CONTENT_TYPE) };
const ANSWER_HEADERS = { "Content-Type": regex(ANSWER_CONTENT_TYPE_PATTERN, EXAMPLE_CONTENT_TYPE) };
const NO_ATTRIBUTES: Map<string, string> = new Map();
const TEXT_FIELDS = ["warehouseCode", "ownerCode", "orderCode", "orderId", "orderType", "cancelReason"] as const;

export type PactLogLevel = "trace" | "debug" | "info" | "warn" | "error";

export function createContractPact(dir: string, logLevel: PactLogLevel = "warn"): PactV4 {
  // The Pact core phones home unless told not to; nothing else in the project reads this variable.
  process.env["PACT_DO_NOT_TRACK"] = "true";
  return new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir, logLevel });
}

/** The ERP's secrets (never written anywhere: see the canary tests) and where the client logs. */
export interface RecordOptions extends SecretCanaries {
  readonly logger?: QimenClientLogger;
}

/**
 * Adds one interaction to the pact and drives the real ERP client against Pact's mock server; Pact
 * checks the request the client sent, this checks what the client made of the answer. On success
 * Pact merges the interaction into `{dir}/qimen-erp-qimen-wms.json`.
 */
export async function recordInteraction(pact: PactV4, spec: InteractionSpec, options: RecordOptions): Promise<void> {
  let interaction = pact.addInteraction().given(spec.state.name, stateParams(spec)).uponReceiving(spec.description);
  if (spec.signedWithWrongSecret === true) {
    interaction = interaction
      .comment(BAD_SIGNATURE_COMMENT)
      .comment("A verifier must deliver this request with a wrong sign: Qimen's go-live check (验签测试).");
  }
  const result = await interaction
    .withRequest("POST", regex(PATH_PATTERN, EXAMPLE_PATH), (request) =>
      request.query(systemQuery(spec)).headers(REQUEST_HEADERS).xmlBody(requestXml(spec.request)),
    )
    .willRespondWith(200, (response) => response.headers(ANSWER_HEADERS).xmlBody(responseXml(spec.answer)))
    .executeTest(async (mockServer) => {
      const client = createQimenClient({
        endpoint: mockServer.url + EXAMPLE_PATH,
        appKey: EXAMPLE_APP_KEY,
        customerId: EXAMPLE_CUSTOMER_ID,
        secret: spec.signedWithWrongSecret === true ? options.wrongSecret : options.secret,
        clock: () => FIXED_NOW,
        ...(options.logger === undefined ? {} : { logger: options.logger }),
      });
      try {
        const result = await client.cancelOrder(spec.request);
        await matchBooked(mockServer.port, spec.description);
        return result;
      } finally {
        await client.close();
      }
    });
  deepStrictEqual(result, expectedResult(spec.answer), `what the ERP client made of "${spec.description}"`);
}

/** Longest wait for Pact's mock server to book a request it has already answered. */
const MATCH_BOOKING_TIMEOUT_MS = 5_000;

/**
 * Waits until Pact's mock server on `port` has booked the match of the request the client just
 * sent for `description`; rejects after `timeoutMs`, naming both, with the mismatches it holds.
 *
 * Why the loop: Pact's mock server answers a request before it books the match (pact-reference#535;
 * a fix is proposed in pact-core-mock-server#14, pact-js 16.5 lacks it), so on a busy machine
 * executeTest can report an answered request as "expected but not received". Its FFI offers no
 * event for the booking, only the `pactffiMockServerMatched` query, so this asks again each turn of
 * the event loop: the booking follows the answer within microseconds, and the client only resolves
 * on a 200, which the mock server sends only for a matched request.
 */
export async function matchBooked(
  port: number,
  description: string,
  timeoutMs: number = MATCH_BOOKING_TIMEOUT_MS,
): Promise<void> {
  const ffi = getFfiLib();
  const deadline = performance.now() + timeoutMs;
  while (!ffi.pactffiMockServerMatched(port)) {
    if (performance.now() >= deadline) {
      throw new Error(
        `Pact's mock server answered "${description}" but had not booked the match after ${timeoutMs} ms (pact-reference#535); its mismatches: ${ffi.pactffiMockServerMismatches(port) || "none"}`,
      );
    }
    await nextTurn();
  }
}

/** Qimen's system params: exact where every caller sends the same, by shape where they vary. */
function systemQuery(spec: InteractionSpec) {
  const timestamp = formatBeijingTimestamp(FIXED_NOW);
  const example = signQuery(
    { method: ORDER_CANCEL_METHOD.long, timestamp, appKey: EXAMPLE_APP_KEY, customerId: EXAMPLE_CUSTOMER_ID },
    encodeCancelRequest(spec.request),
    spec.signedWithWrongSecret === true ? WRONG_EXAMPLE_SECRET : EXAMPLE_SECRET,
  );
  return {
    method: ORDER_CANCEL_METHOD.long,
    timestamp: regex(TIMESTAMP_PATTERN, timestamp),
    format: QIMEN_FORMAT,
    app_key: regex(TOKEN_PATTERN, EXAMPLE_APP_KEY),
    v: QIMEN_API_VERSION,
    sign_method: "md5",
    customerId: regex(TOKEN_PATTERN, EXAMPLE_CUSTOMER_ID),
    sign: regex(SIGN_PATTERN, example.sign),
  };
}

/** The request body, field for field what the ERP was asked to send; orderType by the spec's 19 codes. */
function requestXml(request: OrderCancelRequest): string {
  return new XmlBuilder("1.0", "UTF-8", "request").build((root) => {
    for (const field of TEXT_FIELDS) {
      const value = request[field];
      if (value !== undefined) root.appendElement(field, NO_ATTRIBUTES, textOf(field, value));
    }
    const { extendProps, subSourceOrders, remark } = request;
    if (extendProps !== undefined) {
      root.appendElement("extendProps", NO_ATTRIBUTES, (props) => {
        for (const [key, value] of Object.entries(extendProps)) props.appendElement(key, NO_ATTRIBUTES, value);
      });
    }
    if (subSourceOrders !== undefined) {
      root.appendElement("subSourceOrders", NO_ATTRIBUTES, (list) => {
        for (const { subSourceOrderCode } of subSourceOrders) {
          list.appendElement("subSourceOrder", NO_ATTRIBUTES, (item: XmlElement) => {
            if (subSourceOrderCode !== undefined)
              item.appendElement("subSourceOrderCode", NO_ATTRIBUTES, subSourceOrderCode);
          });
        }
      });
    }
    if (remark !== undefined) root.appendElement("remark", NO_ATTRIBUTES, remark);
  });
}

function textOf(field: (typeof TEXT_FIELDS)[number], value: string) {
  return field === "orderType" ? regex(ORDER_TYPE_PATTERN, value) : value;
}

function responseXml(answer: WmsAnswer): string {
  return new XmlBuilder("1.0", "UTF-8", "response").build((root) => {
    root.appendElement("flag", NO_ATTRIBUTES, answer.flag);
    if (answer.flag === "failure") {
      root.appendElement(
        "code",
        NO_ATTRIBUTES,
        answer.codeMatch === "exact" ? answer.code : regex(TOKEN_PATTERN, answer.code),
      );
      root.appendElement("message", NO_ATTRIBUTES, regex(TEXT_PATTERN, answer.message));
    }
  });
}

/** What the ERP client must make of the example answer. */
export function expectedResult(answer: WmsAnswer): CancelResult {
  if (answer.flag === "success") return { ok: true, response: { flag: "success", source: "wms" } };
  const { code, message } = answer;
  return { ok: false, code, message, response: { flag: "failure", source: "wms", code, message } };
}
