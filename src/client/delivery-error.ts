import { QimenError, type QimenErrorCode, type QimenErrorOptions } from "../protocol/errors.js";
import { ISP_HTTP_OUTCOMES, type DeliveryOutcome, type IspHttpCode } from "../protocol/model.js";
import type { DecodedResponse } from "../protocol/response-codec.js";

/**
 * A cancel that got no answer from the WMS: a transport failure, a gateway error, a non-200 status
 * or an unreadable body. `delivery` says whether the cancel may have been applied; `ispCode` is
 * the Qimen `isp.http-*` meaning when one applies, whether our own connection failed or the
 * gateway's connection to the WMS did.
 */
export class QimenDeliveryError extends QimenError {
  override readonly name: string = "QimenDeliveryError";
  readonly delivery: DeliveryOutcome;
  readonly ispCode?: IspHttpCode;

  constructor(
    code: QimenErrorCode,
    message: string,
    outcome: { readonly delivery: DeliveryOutcome; readonly ispCode?: IspHttpCode | undefined },
    options: QimenErrorOptions = {},
  ) {
    super(code, message, options);
    this.delivery = outcome.delivery;
    if (outcome.ispCode !== undefined) this.ispCode = outcome.ispCode;
  }
}

/** What a delivery outcome means for the caller, in words fit for a log or a terminal. */
export const DELIVERY_MEANINGS: Readonly<Record<DeliveryOutcome, string>> = Object.freeze({
  "not-reached": "the cancel did not reach the WMS; sending it again is safe",
  "maybe-applied": "the WMS may have applied the cancel; repeating it is safe because a repeated cancel is idempotent",
  unknown: "whether the WMS applied the cancel is unknown; check the order in the WMS or repeat the cancel",
});

/**
 * Repeating a cancel is safe when it never arrived, and when it may have been applied because a
 * repeated cancel is idempotent (PROTOCOL.md "Idempotency"). Only the transient `isp.http-*`
 * failures qualify: a gateway rejection such as TOP60 (bad sign, unknown route) would fail again.
 */
export function isRetryable(error: QimenDeliveryError): boolean {
  return error.ispCode !== undefined && error.delivery !== "unknown";
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

/** Where a call went, for error context: the endpoint without its (signed) query, and which attempt. */
export interface CallContext {
  readonly endpoint: string;
  readonly attempt: number;
}

/**
 * The QimenDeliveryError for an error thrown by undici, or undefined for errors that are no
 * network outcome (bad arguments, a closed dispatcher): those are bugs and propagate unchanged.
 * undici's errors carry addresses and ports but never the request path or query.
 */
export function transportError(cause: unknown, call: CallContext): QimenDeliveryError | undefined {
  const errno = (cause as { code?: unknown } | null)?.code;
  const code = typeof errno === "string" ? TRANSPORT_CODES[errno] : undefined;
  if (code === undefined) return undefined;
  const { ispCode, what } = TRANSPORT_FAILURES[code];
  const delivery = ISP_HTTP_OUTCOMES[ispCode];
  return new QimenDeliveryError(
    code,
    `order.cancel to ${call.endpoint} failed: ${what} (${errno as string}); ${ispCode}: ${DELIVERY_MEANINGS[delivery]}`,
    { delivery, ispCode },
    { cause, context: { ...call, errno } },
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
 * did. TOP15 without a recognisable isp code, and every other gateway error, is `unknown`.
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
