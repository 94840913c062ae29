import { brand, hasBrand, QimenError, type QimenErrorCode, type QimenErrorOptions } from "../protocol/errors.js";
import { ISP_HTTP_OUTCOMES, type DeliveryOutcome, type IspHttpCode } from "../protocol/model.js";
import type { MethodSpec } from "../protocol/methods/order-cancel.js";
import type { DecodedResponse } from "../protocol/response-codec.js";

/**
 * A cancel that got no answer from the WMS: a transport failure, a gateway error, a non-200 status
 * or an unreadable body. `delivery` says whether the cancel may have been applied; `ispCode` is
 * the Qimen `isp.http-*` meaning when one applies, whether our own connection failed or the
 * gateway's connection to the WMS did.
 */
const DELIVERY_ERROR_BRAND = Symbol.for("qimen-pact.QimenDeliveryError");

export class QimenDeliveryError extends QimenError {
  override readonly name: string = "QimenDeliveryError";
  readonly delivery: DeliveryOutcome;
  readonly ispCode?: IspHttpCode;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, DELIVERY_ERROR_BRAND);
  }

  constructor(
    code: QimenErrorCode,
    message: string,
    outcome: { readonly delivery: DeliveryOutcome; readonly ispCode?: IspHttpCode | undefined },
    options: QimenErrorOptions = {},
  ) {
    super(code, message, options);
    this.delivery = outcome.delivery;
    if (outcome.ispCode !== undefined) this.ispCode = outcome.ispCode;
    brand(this, DELIVERY_ERROR_BRAND);
  }
}

/** What a delivery outcome means for the caller, in words fit for a log or a terminal. */
export const DELIVERY_MEANINGS: Readonly<Record<DeliveryOutcome, string>> = Object.freeze({
  "not-reached": "the cancel did not reach the WMS; sending it again is safe",
  "maybe-applied": "the WMS may have applied the cancel; repeating it is safe because a repeated cancel is idempotent",
  unknown: "whether the WMS applied the cancel is unknown; check the order in the WMS or repeat the cancel",
});

/**
 * Whether a call that got no answer may be sent again. Only the transient `isp.http-*` failures
 * qualify (a gateway rejection such as TOP60, bad sign or unknown route, would fail again): one
 * that never reached the WMS always, one that may have been applied only when the method says a
 * repeat is safe (its spec's `repeatSafe`: a repeated cancel is, a repeated create would
 * duplicate a document; docs/protocol.md, §5), one of unknown outcome never.
 */
export function isRetryable(error: QimenDeliveryError, method: Pick<MethodSpec, "repeatSafe">): boolean {
  if (error.ispCode === undefined) return false;
  return error.delivery === "not-reached" || (error.delivery === "maybe-applied" && method.repeatSafe);
}

type TransportCode = Extract<
  QimenErrorCode,
  "QIMEN_CONNECTION_REFUSED" | "QIMEN_CONNECT_TIMEOUT" | "QIMEN_READ_TIMEOUT" | "QIMEN_CONNECTION_CLOSED"
>;

const TRANSPORT_FAILURES: Readonly<Record<TransportCode, { readonly ispCode: IspHttpCode; readonly what: string }>> = {
  QIMEN_CONNECTION_REFUSED: { ispCode: "isp.http-connection-refuse", what: "could not open a connection" },
  QIMEN_CONNECT_TIMEOUT: { ispCode: "isp.http-connection-timeout", what: "timed out opening a connection" },
  QIMEN_READ_TIMEOUT: { ispCode: "isp.http-read-timeout", what: "timed out waiting for the answer" },
  QIMEN_CONNECTION_CLOSED: { ispCode: "isp.http-closed", what: "the connection closed before an answer arrived" },
};

/*
 * Error codes of node:net and undici, by what they mean for the cancel. Failing to resolve or to
 * route to the host counts as refused: as with a refusal, no byte of the request left.
 */
const TRANSPORT_CODES: Readonly<Record<string, TransportCode>> = {
  ECONNREFUSED: "QIMEN_CONNECTION_REFUSED",
  ENOTFOUND: "QIMEN_CONNECTION_REFUSED",
  EAI_AGAIN: "QIMEN_CONNECTION_REFUSED",
  EHOSTUNREACH: "QIMEN_CONNECTION_REFUSED",
  ENETUNREACH: "QIMEN_CONNECTION_REFUSED",
  UND_ERR_CONNECT_TIMEOUT: "QIMEN_CONNECT_TIMEOUT",
  UND_ERR_HEADERS_TIMEOUT: "QIMEN_READ_TIMEOUT",
  UND_ERR_BODY_TIMEOUT: "QIMEN_READ_TIMEOUT",
  UND_ERR_SOCKET: "QIMEN_CONNECTION_CLOSED",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "QIMEN_CONNECTION_CLOSED",
  ECONNRESET: "QIMEN_CONNECTION_CLOSED",
  ECONNABORTED: "QIMEN_CONNECTION_CLOSED",
  EPIPE: "QIMEN_CONNECTION_CLOSED",
};

/*
 * Errors that are no network outcome: bad arguments, a closed or destroyed dispatcher, an
 * unsupported setup, and aborts, which only the caller's own signal causes and the caller handles.
 */
const NOT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "UND_ERR_INVALID_ARG",
  "UND_ERR_INVALID_RETURN_VALUE",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
  "UND_ERR_NOT_SUPPORTED",
  "UND_ERR_BPL_MISSING_UPSTREAM",
  "UND_ERR_MAX_ORIGINS_REACHED",
  "UND_ERR_ABORT",
  "UND_ERR_ABORTED",
]);

/* OpenSSL's certificate verification failures, as Node names them (node:tls, "X509 certificate error codes"). */
const CERTIFICATE_ERRORS: ReadonlySet<string> = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CRL_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "OUT_OF_MEM",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
]);

function isTlsFailure(errno: string): boolean {
  return (
    errno.startsWith("ERR_TLS_") ||
    errno.startsWith("ERR_SSL_") ||
    errno === "UND_ERR_PRX_TLS" ||
    CERTIFICATE_ERRORS.has(errno)
  );
}

/** Only a connection that was never opened fails in these system calls or in the TLS handshake. */
function isConnectFailure(cause: Error, errno: string): boolean {
  const syscall = (cause as { syscall?: unknown }).syscall;
  const known = TRANSPORT_CODES[errno];
  return (
    known === "QIMEN_CONNECTION_REFUSED" ||
    known === "QIMEN_CONNECT_TIMEOUT" ||
    syscall === "connect" ||
    syscall === "getaddrinfo" ||
    isTlsFailure(errno)
  );
}

/** A failure of the network, or of the peer: anything but a programmer's mistake or an abort. */
function isNetworkFailure(cause: unknown): cause is Error {
  if (!(cause instanceof Error)) return false;
  if ([TypeError, RangeError, SyntaxError, ReferenceError].some((type) => cause instanceof type)) return false;
  if (cause.name === "AbortError" || cause.name === "TimeoutError") return false;
  return !NOT_NETWORK_CODES.has(errnoOf(cause));
}

/** node:net and undici errors carry a string code; an HTTPParserError sometimes only its name. */
function errnoOf(cause: Error): string {
  const code = (cause as { code?: unknown }).code;
  return typeof code === "string" ? code : cause.name;
}

function describeFailure(code: TransportCode, errno: string): string {
  if (isTlsFailure(errno)) return `${TRANSPORT_FAILURES.QIMEN_CONNECTION_REFUSED.what}: the TLS handshake failed`;
  if (errno.startsWith("HPE_") || errno === "HTTPParserError") return "the answer was not HTTP";
  return TRANSPORT_FAILURES[code].what;
}

/** Where a call went, for error context: the endpoint without its (signed) query, and which attempt. */
export interface CallContext {
  readonly endpoint: string;
  readonly attempt: number;
}

/**
 * The QimenDeliveryError for an error thrown by undici, node:net or node:tls, or undefined for
 * errors that are no network outcome (bad arguments, a closed dispatcher, an abort): those
 * propagate unchanged.
 *
 * A failure before the request was written (refused, unresolvable, a failed TLS handshake: the
 * WMS application never saw a byte) is QIMEN_CONNECTION_REFUSED or QIMEN_CONNECT_TIMEOUT,
 * `not-reached`; Qimen's gateway reports a WMS it cannot connect to the same way. A failure once
 * the request was on its way is a read timeout (`maybe-applied`) or, for anything else (a reset,
 * an answer that is not HTTP), QIMEN_CONNECTION_CLOSED, isp.http-closed, `unknown`.
 * `requestStarted` says which side of that line the failure is on when the caller knows; without
 * it the error's code decides. undici's errors carry addresses and ports but never the request
 * path or query.
 */
export function transportError(
  cause: unknown,
  call: CallContext,
  requestStarted?: boolean,
): QimenDeliveryError | undefined {
  if (!isNetworkFailure(cause)) return undefined;
  const errno = errnoOf(cause);
  const known = TRANSPORT_CODES[errno];
  const connecting = requestStarted === undefined ? isConnectFailure(cause, errno) : !requestStarted;
  const code = connecting
    ? known === "QIMEN_CONNECT_TIMEOUT"
      ? known
      : "QIMEN_CONNECTION_REFUSED"
    : (known ?? "QIMEN_CONNECTION_CLOSED");
  return failedDelivery(code, call, `${describeFailure(code, errno)} (${errno})`, { cause, context: { errno } });
}

/**
 * The error for an answer that was not complete within the read timeout, a deadline counted from
 * the moment the request started out: QIMEN_READ_TIMEOUT, isp.http-read-timeout, `maybe-applied`.
 */
export function readTimeoutError(call: CallContext, readTimeoutMs: number): QimenDeliveryError {
  const what = `${TRANSPORT_FAILURES.QIMEN_READ_TIMEOUT.what} (no complete answer within ${readTimeoutMs} ms)`;
  return failedDelivery("QIMEN_READ_TIMEOUT", call, what, { context: { readTimeoutMs } });
}

function failedDelivery(
  code: TransportCode,
  call: CallContext,
  what: string,
  options: { readonly cause?: unknown; readonly context: Readonly<Record<string, unknown>> },
): QimenDeliveryError {
  const { ispCode } = TRANSPORT_FAILURES[code];
  const delivery = ISP_HTTP_OUTCOMES[ispCode];
  return new QimenDeliveryError(
    code,
    `order.cancel to ${call.endpoint} failed: ${what}; ${ispCode}: ${DELIVERY_MEANINGS[delivery]}`,
    { delivery, ispCode },
    { ...options, context: { ...call, ...options.context } },
  );
}

/**
 * The error for a call the caller aborted through its signal. `delivery` is `unknown` once the
 * request may have been written, else the outcome of the attempt before (`not-reached` when there
 * was none).
 */
export function abortedError(call: CallContext, delivery: DeliveryOutcome, reason: unknown): QimenDeliveryError {
  const request = call.attempt === 1 ? "the request" : `attempt ${call.attempt}`;
  const when = delivery === "unknown" ? `while ${request} was on its way` : `before ${request} was sent`;
  return new QimenDeliveryError(
    "QIMEN_ABORTED",
    `order.cancel to ${call.endpoint} was aborted ${when}; ${delivery}: ${DELIVERY_MEANINGS[delivery]}`,
    { delivery },
    { cause: reason, context: { ...call } },
  );
}

/*
 * TOP60 is the gateway refusing the call itself (sign, app key, routing), so it never reached the
 * WMS.
 */
const GATEWAY_REJECTION = "TOP60";

/**
 * The error for a failure the Qimen gateway answered (a TOP* code, or TOP's `<error_response>`).
 * A TOP15 answer keeps the code QIMEN_GATEWAY_ERROR, since the gateway said it, and carries the
 * `isp.http-*` code from its message with that code's outcome: callers branch on `ispCode` and
 * `delivery` the same way whether our connection failed or the gateway's connection to the WMS
 * did. TOP60, the gateway refusing the call itself, is `not-reached`; TOP15 without a
 * recognisable isp code, and every other gateway error, is `unknown`.
 */
export function gatewayError(response: DecodedResponse, call: CallContext): QimenDeliveryError {
  const ispCode = response.delivery?.ispCode;
  const delivery = response.delivery?.outcome ?? (response.code === GATEWAY_REJECTION ? "not-reached" : "unknown");
  const said = [response.code, response.subCode, response.message].filter((part) => part !== undefined).join(" ");
  return new QimenDeliveryError(
    "QIMEN_GATEWAY_ERROR",
    `order.cancel to ${call.endpoint}: the Qimen gateway answered ${said}; ${ispCode ?? delivery}: ${DELIVERY_MEANINGS[delivery]}`,
    { delivery, ispCode },
    {
      context: {
        ...call,
        source: response.source,
        ...(response.code === undefined ? {} : { gatewayCode: response.code }),
        ...(response.subCode === undefined ? {} : { subCode: response.subCode }),
        ...(response.message === undefined ? {} : { gatewayMessage: response.message }),
      },
    },
  );
}
