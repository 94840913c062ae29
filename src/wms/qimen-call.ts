import { isQimenError } from "../protocol/errors.js";
import type { OrderCancelRequest } from "../protocol/model.js";
import { contentTypeProblem, describeContentTypeProblem } from "../protocol/content-type.js";
import { decodeCancelRequest } from "../protocol/request-codec.js";
import { isSignMethod, verifySign } from "../protocol/signing.js";
import { ORDER_CANCEL_NAMES, QIMEN_FORMAT } from "../protocol/system-params.js";
import { formatBeijingTimestamp, parseBeijingTimestamp } from "../protocol/timestamp.js";
import type { XmlLimits } from "../protocol/xml.js";
import { failureCodeOf, SUCCESS_CODE, type FailureCode } from "./failure-codes.js";
import { quoteForMessage } from "./log-line.js";
import type { OrderDocument, OrderStore } from "./order-store.js";
import { parseQuery } from "./query.js";

/** How the sandbox judges a call; fixed when the sandbox is created. */
export interface QimenCallPolicy {
  /** app_key → secret. */
  readonly credentials: ReadonlyMap<string, string>;
  /** When set, calls must carry exactly this customerId. */
  readonly customerId: string | undefined;
  /** TEST ONLY when false: app_key and sign are not checked at all. */
  readonly verifySignatures: boolean;
  /** Largest accepted distance, either way, between the call's timestamp and the sandbox clock. */
  readonly timestampWindowMs: number;
  readonly xmlLimits: XmlLimits;
  /**
   * Whether sign_method hmac and hmac-sha256 are accepted. An SDK-built WMS refuses them (its
   * SpiUtils checks md5 whatever sign_method says), so by default the sandbox does too.
   */
  readonly allowHmacSignMethods: boolean;
}

export interface QimenCall {
  /** The query string as received, without `?`, still URL-encoded. */
  readonly search: string;
  /** The exact body bytes received. */
  readonly body: Uint8Array;
  /** The Content-Type header as received, if any. */
  readonly contentType: string | undefined;
  readonly receivedAt: Date;
}

export interface QimenAnswer {
  readonly flag: "success" | "failure";
  readonly code: typeof SUCCESS_CODE | FailureCode;
  readonly message: string;
}

/** The answer plus what the request log shows about the call. */
export interface QimenCallResult {
  readonly answer: QimenAnswer;
  readonly method?: string;
  readonly orderCode?: string;
  /** Things accepted but worth telling the caller's team: unknown order types, unknown elements. */
  readonly warnings: readonly string[];
  /** With `observe`: the documents the request designated before it was applied (see ObservedCall). */
  readonly held?: readonly OrderDocument[];
}

const BAD_SIGN_MESSAGE = "Illegal request";
/** How much of a refused call's body the request log searches for its orderCode: Qimen puts it among the first fields. */
export const ORDER_CODE_SCAN_BYTES = 4 * 1024;
const RAW_ORDER_CODE = /<orderCode>([^<]*)<\/orderCode>/;
const utf8 = new TextDecoder();

/** Control flow only: carries a failure answer from deep in the checks; never leaves this module. */
class Rejection extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Judges one Qimen call and applies it to the store. Checks run in the order a careful gateway
 * partner would: who is calling (app_key, sign) before anything the caller says is believed, so an
 * unsigned caller learns nothing else. Only a call that passes every check can change the store.
 */
export function answerQimenCall(
  call: QimenCall,
  policy: QimenCallPolicy,
  store: OrderStore,
  observe = false,
): QimenCallResult {
  const query = parseQuery(call.search);
  const method = query.ok ? query.params.get("method") : undefined;
  const about = method === undefined ? {} : { method };
  try {
    if (!query.ok) {
      throw new Rejection(
        "param-duplicate",
        `query parameter ${query.duplicates.map(quoteForMessage).join(", ")} given more than once: send each once`,
      );
    }
    checkContentType(call.contentType);
    checkSystemParams(query.params, call, policy);
    const { request, warnings } = decodeBody(call.body, policy.xmlLimits);
    // Looked up only for a recorder: a second search of the order code, before the cancel changes it.
    const held = observe ? { held: store.find(request) } : {};
    return { answer: cancel(request, store), ...about, orderCode: request.orderCode, warnings, ...held };
  } catch (error) {
    // Refused before or while decoding, yet the caller's team needs to know which order the call was about.
    const orderCode = orderCodeForLog(call.body);
    return rejected(error, orderCode === undefined ? about : { ...about, orderCode });
  }
}

function rejected(error: unknown, about: Pick<QimenCallResult, "method" | "orderCode">): QimenCallResult {
  if (!(error instanceof Rejection)) throw error;
  return { answer: { flag: "failure", code: error.code, message: error.message }, ...about, warnings: [] };
}

/**
 * The first `<orderCode>` of a refused call's body, as sent (entities left as they are), or
 * undefined when none appears whole in its first ORDER_CODE_SCAN_BYTES. For the request log only:
 * the call is refused, so the value is never acted on, and it is never echoed in the answer.
 */
export function orderCodeForLog(body: Uint8Array): string | undefined {
  return RAW_ORDER_CODE.exec(utf8.decode(body.subarray(0, ORDER_CODE_SCAN_BYTES)))?.[1];
}

/** SpiUtils reads the body in the charset the Content-Type names, as written: what it refuses, an SDK-built WMS refuses. */
function checkContentType(contentType: string | undefined): void {
  const problem = contentTypeProblem("request", contentType);
  if (problem !== undefined) {
    throw new Rejection(
      "content-type-unsupported",
      `${describeContentTypeProblem("request", problem)} (a WMS built on the official SDK's SpiUtils refuses this call)`,
    );
  }
}

function checkSystemParams(params: ReadonlyMap<string, string>, call: QimenCall, policy: QimenCallPolicy): void {
  if (policy.verifySignatures) checkSignature(params, call.body, policy.credentials, policy.allowHmacSignMethods);
  checkTimestamp(params.get("timestamp"), call.receivedAt, policy.timestampWindowMs);
  const customerId = params.get("customerId");
  if (policy.customerId !== undefined && customerId !== policy.customerId) {
    throw new Rejection(
      "customer-id-mismatch",
      customerId === undefined
        ? "customerId parameter is missing"
        : `customerId ${quoteForMessage(customerId)} is not served by this WMS`,
    );
  }
  const format = params.get("format");
  if (format !== undefined && format !== QIMEN_FORMAT) {
    throw new Rejection("format-unsupported", `format ${quoteForMessage(format)} is not supported: use xml`);
  }
  const method = params.get("method");
  if (method === undefined) throw new Rejection("method-missing", "method parameter is missing");
  if (!ORDER_CANCEL_NAMES.has(method)) {
    throw new Rejection(
      "method-unknown",
      `unknown method ${quoteForMessage(method)}: this endpoint serves ${[...ORDER_CANCEL_NAMES].join(" and ")}`,
    );
  }
}

function checkSignature(
  params: ReadonlyMap<string, string>,
  body: Uint8Array,
  credentials: ReadonlyMap<string, string>,
  allowHmacSignMethods: boolean,
): void {
  const appKey = params.get("app_key");
  if (appKey === undefined) throw new Rejection("app-key-missing", "app_key parameter is missing");
  const secret = credentials.get(appKey);
  if (secret === undefined) throw new Rejection("app-key-unknown", `unknown app_key ${quoteForMessage(appKey)}`);
  const sign = params.get("sign");
  if (sign === undefined) throw new Rejection("sign-missing", "sign parameter is missing");
  const signMethod = params.get("sign_method") ?? "md5";
  if (!isSignMethod(signMethod)) {
    throw new Rejection(
      "sign-method-unsupported",
      `sign_method ${quoteForMessage(signMethod)} is not supported: use ${allowHmacSignMethods ? "md5, hmac or hmac-sha256" : "md5"}`,
    );
  }
  if (signMethod !== "md5" && !allowHmacSignMethods) {
    throw new Rejection(
      "sign-method-unsupported",
      `sign_method ${quoteForMessage(signMethod)} is refused: a WMS built on the official SDK's SpiUtils checks an md5 sign whatever sign_method says, so it refuses this call; sign with md5`,
    );
  }
  // The message is Qimen's fixed one: neither the expected sign nor the signed string is echoed.
  if (!signReadings(params).some((signed) => verifySign({ params: signed, body, secret, signMethod }, sign)))
    throw new Rejection("sign-check-failure", BAD_SIGN_MESSAGE);
}

/**
 * The params a caller may have signed. Alibaba's receiver helper (SpiUtils) signs empty-valued
 * params and the SDK's sender leaves them out of the sign (it never sends them), so a call
 * carrying `foo=` is accepted signed either way. An empty value cannot change what the call asks:
 * every param the sandbox reads refuses an empty one.
 */
function signReadings(params: ReadonlyMap<string, string>): ReadonlyMap<string, string>[] {
  const nonEmpty = [...params].filter(([, value]) => value !== "");
  return nonEmpty.length === params.size ? [params] : [params, new Map(nonEmpty)];
}

function checkTimestamp(timestamp: string | undefined, receivedAt: Date, windowMs: number): void {
  if (timestamp === undefined) throw new Rejection("timestamp-missing", "timestamp parameter is missing");
  const sentAt = parseBeijingTimestamp(timestamp);
  if (sentAt === undefined) {
    throw new Rejection(
      "timestamp-invalid",
      `timestamp ${quoteForMessage(timestamp)} is not a real yyyy-MM-dd HH:mm:ss time (Beijing time)`,
    );
  }
  const skewMs = sentAt.getTime() - receivedAt.getTime();
  if (Math.abs(skewMs) > windowMs) {
    const seconds = Math.round(Math.abs(skewMs) / 1000);
    throw new Rejection(
      "timestamp-out-of-window",
      `timestamp ${timestamp} is ${seconds} s in the ${skewMs < 0 ? "past" : "future"}; ` +
        `allowed: ±${windowMs / 1000} s around the WMS clock, now ${formatBeijingTimestamp(receivedAt)} Beijing time`,
    );
  }
}

function decodeBody(body: Uint8Array, limits: XmlLimits): ReturnType<typeof decodeCancelRequest> {
  try {
    return decodeCancelRequest(body, limits);
  } catch (error) {
    if (!isQimenError(error)) throw error;
    throw new Rejection(failureCodeOf(error.code), error.message);
  }
}

function cancel(request: OrderCancelRequest, store: OrderStore): QimenAnswer {
  const outcome = store.cancel(request);
  const order = quoteForMessage(request.orderCode);
  switch (outcome.kind) {
    case "cancelled":
      return { flag: "success", code: SUCCESS_CODE, message: `order ${order} cancelled` };
    case "already-cancelled":
      return { flag: "success", code: SUCCESS_CODE, message: `order ${order} was already cancelled` };
    case "not-found":
      return {
        flag: "failure",
        code: "order-not-found",
        message: `no order ${order} in warehouse ${quoteForMessage(request.warehouseCode)} matches the request`,
      };
    case "ambiguous":
      return {
        flag: "failure",
        code: "order-ambiguous",
        message: `${outcome.matches.length} orders match ${order}: send ownerCode, orderType or a specific warehouseCode`,
      };
    case "not-cancellable": {
      const code = `order-${outcome.rule}` as const;
      return { flag: "failure", code, message: `order ${order} is ${outcome.order.status}: cannot be cancelled` };
    }
  }
}
