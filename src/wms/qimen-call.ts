import { isQimenError } from "../protocol/errors.js";
import type { OrderCancelRequest } from "../protocol/model.js";
import { decodeCancelRequest } from "../protocol/request-codec.js";
import { verifySign } from "../protocol/signing.js";
import { ORDER_CANCEL_METHOD, QIMEN_FORMAT } from "../protocol/system-params.js";
import { formatBeijingTimestamp, parseBeijingTimestamp } from "../protocol/timestamp.js";
import type { XmlLimits } from "../protocol/xml.js";
import { failureCodeOf, SUCCESS_CODE, type FailureCode } from "./failure-codes.js";
import { quoteForMessage } from "./log-line.js";
import type { OrderStore } from "./order-store.js";
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
}

export interface QimenCall {
  /** The query string as received, without `?`, still URL-encoded. */
  readonly search: string;
  /** The exact body bytes received. */
  readonly body: Uint8Array;
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
}

const CANCEL_METHODS: ReadonlySet<string> = new Set(Object.values(ORDER_CANCEL_METHOD));
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
export function answerQimenCall(call: QimenCall, policy: QimenCallPolicy, store: OrderStore): QimenCallResult {
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
    checkSystemParams(query.params, call, policy);
    const { request, warnings } = decodeBody(call.body, policy.xmlLimits);
    return { answer: cancel(request, store), ...about, orderCode: request.orderCode, warnings };
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
function orderCodeForLog(body: Uint8Array): string | undefined {
  return RAW_ORDER_CODE.exec(utf8.decode(body.subarray(0, ORDER_CODE_SCAN_BYTES)))?.[1];
}

function checkSystemParams(params: ReadonlyMap<string, string>, call: QimenCall, policy: QimenCallPolicy): void {
  if (policy.verifySignatures) checkSignature(params, call.body, policy.credentials);
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
  if (!CANCEL_METHODS.has(method)) {
    throw new Rejection(
      "method-unknown",
      `unknown method ${quoteForMessage(method)}: this endpoint serves ${[...CANCEL_METHODS].join(" and ")}`,
    );
  }
}

function checkSignature(
  params: ReadonlyMap<string, string>,
  body: Uint8Array,
  credentials: ReadonlyMap<string, string>,
): void {
  const appKey = params.get("app_key");
  if (appKey === undefined) throw new Rejection("app-key-missing", "app_key parameter is missing");
  const secret = credentials.get(appKey);
  if (secret === undefined) throw new Rejection("app-key-unknown", `unknown app_key ${quoteForMessage(appKey)}`);
  const sign = params.get("sign");
  if (sign === undefined) throw new Rejection("sign-missing", "sign parameter is missing");
  // SDK-built WMSs (SpiUtils) verify md5 whatever sign_method says, so they refuse the others: so does the sandbox.
  const signMethod = params.get("sign_method") ?? "md5";
  if (signMethod !== "md5") {
    throw new Rejection(
      "sign-method-unsupported",
      `sign_method ${quoteForMessage(signMethod)} is not supported: Qimen WMSs verify md5 signs only, use md5`,
    );
  }
  // The message is Qimen's fixed one: neither the expected sign nor the signed string is echoed.
  if (!verifySign({ params, body, secret }, sign)) throw new Rejection("sign-check-failure", BAD_SIGN_MESSAGE);
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
