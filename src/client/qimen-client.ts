import { setTimeout as delay } from "node:timers/promises";
import { Agent, request, type Dispatcher } from "undici";
import { isQimenError } from "../protocol/errors.js";
import type { OrderCancelRequest } from "../protocol/model.js";
import { encodeCancelRequest } from "../protocol/request-codec.js";
import { decodeResponse, type DecodedResponse } from "../protocol/response-codec.js";
import { isSignMethod, SIGN_METHODS, type SignMethod } from "../protocol/signing.js";
import { ORDER_CANCEL_METHOD, QIMEN_CONTENT_TYPE, signQuery, type MethodNameForm } from "../protocol/system-params.js";
import { formatBeijingTimestamp } from "../protocol/timestamp.js";
import { DEFAULT_XML_LIMITS } from "../protocol/xml.js";
import {
  abortedError,
  gatewayError,
  isRetryable,
  QimenDeliveryError,
  readTimeoutError,
  transportError,
  type CallContext,
} from "./delivery-error.js";
import { ORDER_CANCEL_SPEC } from "../protocol/methods/order-cancel.js";
import { informationalTolerantConnector } from "./informational-answers.js";

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
const DEFAULT_BACKOFF_MS = 500;
const MAX_ATTEMPTS = 10;
const BODY_EXCERPT_CHARS = 200;

export interface QimenRetryOptions {
  /** Total attempts, the first included (1 to 10). */
  readonly attempts: number;
  /** Wait before the second attempt, doubled before each further one; default 500. */
  readonly backoffMs?: number;
}

/** Console-compatible; receives no secrets. */
export interface QimenClientLogger {
  info(message: string, details: Readonly<Record<string, unknown>>): void;
  warn(message: string, details: Readonly<Record<string, unknown>>): void;
}

export interface QimenClientOptions {
  /** The Qimen URL including its path (e.g. `https://…/router/qimen/service`), without a query. */
  readonly endpoint: string;
  readonly appKey: string;
  readonly secret: string;
  /** Routing key of the target WMS customer. */
  readonly customerId: string;
  /** `long` (default): `taobao.qimen.order.cancel`, as ERPs call the gateway; `short`: `order.cancel`. */
  readonly methodName?: MethodNameForm;
  readonly signMethod?: SignMethod;
  /** Applies to the client's own dispatcher only; configure `connect.timeout` on an injected one. */
  readonly connectTimeoutMs?: number;
  /**
   * Deadline for the whole answer, headers and body, counted from the moment the request starts
   * out (the connection is up): a WMS that trickles its answer cannot hold the call longer. Past
   * it the call rejects with QIMEN_READ_TIMEOUT, isp.http-read-timeout.
   */
  readonly readTimeoutMs?: number;
  readonly clock?: () => Date;
  /**
   * An undici dispatcher the caller owns (and closes); by default the client owns an Agent. Build
   * it with `connect: informationalTolerantConnector(…)` so that it skips a 1xx the WMS sends
   * before its answer, as the client's own does: undici alone drops the connection on one.
   */
  readonly dispatcher?: Dispatcher;
  /** Off by default. Retries only cancels that cannot have been applied twice to harm. */
  readonly retry?: QimenRetryOptions;
  readonly logger?: QimenClientLogger;
}

export type CancelResult =
  | { readonly ok: true; readonly response: DecodedResponse }
  | { readonly ok: false; readonly code?: string; readonly message?: string; readonly response: DecodedResponse };

export interface CancelOrderOptions {
  /**
   * Aborts the call, retries and the wait between them included: the call then rejects with a
   * QimenDeliveryError coded QIMEN_ABORTED, `delivery` `unknown` when the request may have been
   * written, else the previous attempt's outcome (`not-reached` when there was none).
   */
  readonly signal?: AbortSignal;
}

export interface QimenClient {
  /**
   * Sends one order.cancel. Resolves with the WMS's answer (success or business failure); rejects
   * with a QimenDeliveryError when no answer from the WMS arrived (transport, gateway, HTTP status,
   * unreadable body, abort), and with a TypeError for a request no WMS could accept.
   */
  cancelOrder(request: OrderCancelRequest, options?: CancelOrderOptions): Promise<CancelResult>;
  /** Closes the client's own dispatcher; an injected one stays open. */
  close(): Promise<void>;
}

/**
 * The endpoint as a URL, or a TypeError saying what to pass instead. A query string is rejected
 * rather than merged: Qimen's system parameters are the whole query and are all signed, and a
 * receiver would sign extra parameters too. Credentials in the URL are rejected so that no error
 * can ever repeat them.
 */
export function parseQimenEndpoint(endpoint: string): URL {
  if (typeof endpoint !== "string" || !URL.canParse(endpoint)) {
    throw new TypeError(
      `endpoint must be an absolute http(s) URL such as https://host/router/qimen/service, got ${JSON.stringify(endpoint)}`,
    );
  }
  const url = new URL(endpoint);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`endpoint must use http: or https:, got ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new TypeError(
      "endpoint must not carry a query string or fragment: the client sends Qimen's signed system parameters as the query; pass the URL up to its path",
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new TypeError("endpoint must not contain credentials: pass appKey and secret as options");
  }
  return url;
}

export function createQimenClient(options: QimenClientOptions): QimenClient {
  const settings = validate(options);
  const dispatcher =
    options.dispatcher ??
    new Agent({ connect: informationalTolerantConnector({ timeout: settings.connectTimeoutMs }) });
  const ownsDispatcher = options.dispatcher === undefined;

  async function cancelOrder(
    cancelRequest: OrderCancelRequest,
    callOptions: CancelOrderOptions = {},
  ): Promise<CancelResult> {
    const { signal } = callOptions;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError("signal must be an AbortSignal, e.g. from an AbortController");
    }
    // Encoded once: every attempt sends, and signs, these very bytes.
    const body = Buffer.from(encodeCancelRequest(cancelRequest), "utf8");
    let previous: QimenDeliveryError | undefined;
    for (let attempt = 1; ; attempt++) {
      const call = { endpoint: settings.endpoint, attempt };
      const progress = { requestStarted: false };
      try {
        if (previous !== undefined) await delay(settings.backoffMs * 2 ** (attempt - 2), undefined, { signal });
        signal?.throwIfAborted();
        return await send(body, call, progress, signal);
      } catch (error) {
        if (signal?.aborted === true) {
          const delivery = progress.requestStarted ? "unknown" : (previous?.delivery ?? "not-reached");
          throw abortedError(call, delivery, signal.reason);
        }
        const retryable = error instanceof QimenDeliveryError && isRetryable(error, ORDER_CANCEL_SPEC);
        if (!retryable || attempt >= settings.attempts) throw error;
        options.logger?.warn("order.cancel failed, retrying", {
          attempt,
          code: error.code,
          ispCode: error.ispCode,
          delivery: error.delivery,
        });
        previous = error;
      }
    }
  }

  async function send(
    body: Buffer,
    call: CallContext,
    progress: { requestStarted: boolean },
    signal: AbortSignal | undefined,
  ): Promise<CancelResult> {
    const timestamp = formatBeijingTimestamp(settings.clock());
    const query = signQuery(
      {
        method: settings.method,
        timestamp,
        appKey: options.appKey,
        customerId: options.customerId,
        signMethod: settings.signMethod,
      },
      body,
      options.secret,
    );
    let answer: { status: number; body: Buffer | undefined };
    const answerDeadline = deadline(settings.readTimeoutMs);
    try {
      const response = await request(`${settings.endpoint}?${query.search}`, {
        method: "POST",
        headers: { "content-type": QIMEN_CONTENT_TYPE },
        body,
        dispatcher: noticingRequestStart(dispatcher, () => {
          progress.requestStarted = true;
          answerDeadline.start();
        }),
        // undici's own timers restart with every chunk; the deadline bounds the whole answer.
        headersTimeout: 0,
        bodyTimeout: 0,
        signal: signal === undefined ? answerDeadline.signal : AbortSignal.any([signal, answerDeadline.signal]),
      });
      answer = { status: response.statusCode, body: await readCapped(response.body) };
    } catch (cause) {
      if (answerDeadline.signal.aborted) throw readTimeoutError(call, settings.readTimeoutMs);
      throw transportError(cause, call, progress.requestStarted) ?? cause;
    } finally {
      answerDeadline.stop();
    }
    options.logger?.info("order.cancel answered", { ...call, timestamp, status: answer.status });
    const outcome = interpretAnswer(answer.status, answer.body, call);
    if (outcome instanceof QimenDeliveryError) throw outcome;
    return outcome;
  }

  return {
    cancelOrder,
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

/** A signal that aborts `ms` after `start()` (the first call counts), unless stopped first. */
function deadline(ms: number): { readonly signal: AbortSignal; start(): void; stop(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  return {
    signal: controller.signal,
    start: () => void (timer ??= setTimeout(() => controller.abort(), ms)),
    stop: () => clearTimeout(timer),
  };
}

/**
 * The dispatcher, telling `onStart` when undici starts writing the request: it does so only once
 * the connection, TLS included, is up. Whether that happened decides whether a failure or an
 * abort may have delivered the cancel.
 */
function noticingRequestStart(dispatcher: Dispatcher, onStart: () => void): Dispatcher {
  return dispatcher.compose(
    (dispatch) => (dispatchOptions, handler) =>
      dispatch(dispatchOptions, {
        onRequestStart(controller, context) {
          onStart();
          handler.onRequestStart?.(controller, context);
        },
        onRequestUpgrade: (...args) => handler.onRequestUpgrade?.(...args),
        onResponseStart: (...args) => handler.onResponseStart?.(...args),
        onResponseData: (...args) => handler.onResponseData?.(...args),
        onResponseEnd: (...args) => handler.onResponseEnd?.(...args),
        onResponseError: (...args) => handler.onResponseError?.(...args),
      }),
  );
}

/**
 * What the client makes of an HTTP answer to order.cancel, without any I/O: the WMS's answer, or
 * the QimenDeliveryError `cancelOrder` rejects with because no answer from the WMS arrived. Only
 * HTTP 200 counts; the body must decode with decodeResponse; the flag alone decides (docs/protocol.md);
 * a failure the gateway wrote (a `TOP*` code, TOP's `<error_response>`) is no answer from the WMS.
 * `body` is undefined when the answer was larger than decodeResponse accepts, and so not read in
 * full. The provider verifier judges answers with this very function, so the gate and the client
 * cannot disagree.
 */
export function interpretAnswer(
  status: number,
  body: Uint8Array | undefined,
  call: CallContext,
): CancelResult | QimenDeliveryError {
  if (body === undefined) {
    return new QimenDeliveryError(
      "QIMEN_RESPONSE_UNRECOGNISED",
      `order.cancel to ${call.endpoint}: the answer is larger than ${DEFAULT_XML_LIMITS.maxBytes} bytes, so it is no Qimen response`,
      { delivery: "unknown" },
      { context: { ...call, status, maxBytes: DEFAULT_XML_LIMITS.maxBytes } },
    );
  }
  const excerpt = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    .toString("utf8")
    .slice(0, BODY_EXCERPT_CHARS);
  if (status !== 200) {
    return new QimenDeliveryError(
      "QIMEN_HTTP_STATUS",
      `order.cancel to ${call.endpoint}: HTTP ${status} instead of 200; whether the WMS applied the cancel is unknown`,
      { delivery: "unknown" },
      { context: { ...call, status, bodyExcerpt: excerpt } },
    );
  }
  let response: DecodedResponse;
  try {
    response = decodeResponse(body);
  } catch (cause) {
    if (!isQimenError(cause)) throw cause;
    return new QimenDeliveryError(
      "QIMEN_RESPONSE_UNRECOGNISED",
      `order.cancel to ${call.endpoint}: the answer is no Qimen response (${cause.message}); whether the WMS applied the cancel is unknown`,
      { delivery: "unknown" },
      { cause, context: { ...call, bodyExcerpt: excerpt } },
    );
  }
  if (response.flag === "success") return { ok: true, response };
  if (response.source !== "wms") return gatewayError(response, call);
  return {
    ok: false,
    ...(response.code === undefined ? {} : { code: response.code }),
    ...(response.message === undefined ? {} : { message: response.message }),
    response,
  };
}

/** The whole body, or undefined (and the rest discarded) once it exceeds what decodeResponse accepts. */
async function readCapped(body: Dispatcher.ResponseData["body"]): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > DEFAULT_XML_LIMITS.maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

interface Settings {
  readonly endpoint: string;
  readonly method: string;
  readonly signMethod: SignMethod;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly clock: () => Date;
  readonly attempts: number;
  readonly backoffMs: number;
}

function validate(options: QimenClientOptions): Settings {
  const url = parseQimenEndpoint(options.endpoint);
  for (const name of ["appKey", "secret", "customerId"] as const) {
    // Never echo the value: it may be the secret.
    if (typeof options[name] !== "string" || options[name] === "") {
      throw new TypeError(`${name} must be a non-empty string`);
    }
  }
  const methodName = options.methodName ?? "long";
  if (!Object.hasOwn(ORDER_CANCEL_METHOD, methodName)) {
    throw new RangeError(`methodName must be "long" or "short", got ${JSON.stringify(methodName)}`);
  }
  const signMethod = options.signMethod ?? "md5";
  if (!isSignMethod(signMethod)) {
    throw new RangeError(`signMethod must be one of ${SIGN_METHODS.join(", ")}, got ${JSON.stringify(signMethod)}`);
  }
  if (options.dispatcher !== undefined && options.connectTimeoutMs !== undefined) {
    throw new TypeError(
      "connectTimeoutMs applies to the client's own dispatcher: set connect.timeout on the dispatcher you pass instead",
    );
  }
  const clock = options.clock ?? (() => new Date());
  if (typeof clock !== "function") throw new TypeError("clock must be a function returning the current Date");
  const readTimeoutMs = positiveInteger("readTimeoutMs", options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS);
  const attempts = options.retry?.attempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_ATTEMPTS) {
    throw new RangeError(`retry.attempts must be an integer from 1 to ${MAX_ATTEMPTS}, got ${attempts}`);
  }
  const backoffMs = options.retry?.backoffMs ?? DEFAULT_BACKOFF_MS;
  if (!Number.isInteger(backoffMs) || backoffMs < 0) {
    throw new RangeError(`retry.backoffMs must be a non-negative integer of milliseconds, got ${backoffMs}`);
  }
  return {
    endpoint: url.origin + url.pathname,
    method: ORDER_CANCEL_METHOD[methodName],
    signMethod,
    connectTimeoutMs: positiveInteger("connectTimeoutMs", options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    readTimeoutMs,
    clock,
    attempts,
    backoffMs,
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer of milliseconds, got ${value}`);
  }
  return value;
}
