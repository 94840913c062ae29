import { setTimeout as delay } from "node:timers/promises";
import { Agent, request, type Dispatcher } from "undici";
import type { OrderCancelRequest } from "../protocol/model.js";
import { encodeCancelRequest } from "../protocol/request-codec.js";
import type { DecodedResponse } from "../protocol/response-codec.js";
import type { SignMethod } from "../protocol/signing.js";
import { QIMEN_CONTENT_TYPE, signQuery, type MethodNameForm } from "../protocol/system-params.js";
import { formatBeijingTimestamp } from "../protocol/timestamp.js";
import {
  abortedError,
  isRetryable,
  QimenDeliveryError,
  readTimeoutError,
  transportError,
  type CallContext,
} from "./delivery-error.js";
import { ORDER_CANCEL_SPEC } from "../protocol/methods/order-cancel.js";
import { informationalTolerantConnector } from "./informational-answers.js";
import { decoded, interpretAnswer, readCapped } from "./answer.js";
import { checkClientOptions } from "./client-options.js";

export { interpretAnswer } from "./answer.js";
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_READ_TIMEOUT_MS, parseQimenEndpoint } from "./client-options.js";

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

export function createQimenClient(options: QimenClientOptions): QimenClient {
  const settings = checkClientOptions(options);
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
        // As the official SDK: it asks for gzip, and a WMS may answer gzip whether asked or not.
        headers: { "content-type": QIMEN_CONTENT_TYPE, "accept-encoding": "gzip" },
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
      const raw = await readCapped(response.body);
      answer = { status: response.statusCode, body: raw && (await decoded(raw, response.headers["content-encoding"])) };
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
