import { expect } from "chai";
import { errors } from "undici";
import { isRetryable, QimenDeliveryError, transportError, type CallContext } from "../../src/client/delivery-error.js";
import { ORDER_CANCEL_SPEC } from "../../src/protocol/methods/order-cancel.js";

const CALL: CallContext = { endpoint: "https://wms.example.com/qimen", attempt: 1 };

/** An error as node:net, node:tls or undici raise it: a message, a string code, maybe the failed system call. */
function systemError(code: string, syscall?: string): Error {
  return Object.assign(new Error(`failed: ${code}`), { code, ...(syscall === undefined ? {} : { syscall }) });
}

describe("transportError", () => {
  // Without knowing whether the request was written (provider-verify's calls), the code decides.
  const byCode: { name: string; cause: Error; code: string; delivery: string; errno: string }[] = [
    {
      name: "an untrusted certificate",
      cause: systemError("DEPTH_ZERO_SELF_SIGNED_CERT"),
      code: "QIMEN_CONNECTION_REFUSED",
      delivery: "not-reached",
      errno: "DEPTH_ZERO_SELF_SIGNED_CERT",
    },
    {
      name: "a certificate for another host",
      cause: systemError("ERR_TLS_CERT_ALTNAME_INVALID"),
      code: "QIMEN_CONNECTION_REFUSED",
      delivery: "not-reached",
      errno: "ERR_TLS_CERT_ALTNAME_INVALID",
    },
    {
      name: "a TLS protocol mismatch",
      cause: systemError("ERR_SSL_WRONG_VERSION_NUMBER"),
      code: "QIMEN_CONNECTION_REFUSED",
      delivery: "not-reached",
      errno: "ERR_SSL_WRONG_VERSION_NUMBER",
    },
    {
      name: "a failed connect system call",
      cause: systemError("EADDRNOTAVAIL", "connect"),
      code: "QIMEN_CONNECTION_REFUSED",
      delivery: "not-reached",
      errno: "EADDRNOTAVAIL",
    },
    {
      name: "an HTTP parser error without a code",
      cause: Object.assign(new Error("Expected HTTP/"), { name: "HTTPParserError" }),
      code: "QIMEN_CONNECTION_CLOSED",
      delivery: "unknown",
      errno: "HTTPParserError",
    },
    {
      name: "an HTTP parser error with its HPE code",
      cause: systemError("HPE_INVALID_CONSTANT"),
      code: "QIMEN_CONNECTION_CLOSED",
      delivery: "unknown",
      errno: "HPE_INVALID_CONSTANT",
    },
    {
      name: "oversized answer headers",
      cause: new errors.HeadersOverflowError(),
      code: "QIMEN_CONNECTION_CLOSED",
      delivery: "unknown",
      errno: "UND_ERR_HEADERS_OVERFLOW",
    },
    {
      name: "an error with no code from a custom dispatcher",
      cause: new Error("the peer went away"),
      code: "QIMEN_CONNECTION_CLOSED",
      delivery: "unknown",
      errno: "Error",
    },
  ];
  for (const { name, cause, code, delivery, errno } of byCode) {
    it(`maps ${name} to ${code}, ${delivery}`, () => {
      const error = transportError(cause, CALL);
      expect({ code: error?.code, delivery: error?.delivery, context: error?.context }).to.deep.equal({
        code,
        delivery,
        context: { ...CALL, errno },
      });
    });
  }

  const byStage: { name: string; cause: Error; requestStarted: boolean; code: string }[] = [
    {
      name: "a reset before the request",
      cause: systemError("ECONNRESET"),
      requestStarted: false,
      code: "QIMEN_CONNECTION_REFUSED",
    },
    {
      name: "a reset after the request",
      cause: systemError("ECONNRESET"),
      requestStarted: true,
      code: "QIMEN_CONNECTION_CLOSED",
    },
    {
      name: "a TLS failure after the request (a corrupt record mid-answer)",
      cause: systemError("ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC"),
      requestStarted: true,
      code: "QIMEN_CONNECTION_CLOSED",
    },
    {
      name: "a connect timeout",
      cause: new errors.ConnectTimeoutError(),
      requestStarted: false,
      code: "QIMEN_CONNECT_TIMEOUT",
    },
  ];
  for (const { name, cause, requestStarted, code } of byStage) {
    it(`maps ${name} to ${code} when the caller knows whether the request was written`, () => {
      expect(transportError(cause, CALL, requestStarted)?.code).to.equal(code);
    });
  }

  const notNetwork: { name: string; cause: unknown }[] = [
    { name: "a TypeError", cause: new TypeError("invalid URL") },
    { name: "a RangeError", cause: new RangeError("bad timeout") },
    { name: "undici's InvalidArgumentError", cause: new errors.InvalidArgumentError("invalid method") },
    { name: "a closed dispatcher", cause: new errors.ClientClosedError() },
    { name: "a destroyed dispatcher", cause: new errors.ClientDestroyedError() },
    { name: "undici's RequestAbortedError", cause: new errors.RequestAbortedError() },
    { name: "an AbortSignal's AbortError", cause: new DOMException("aborted", "AbortError") },
    { name: "a thrown string", cause: "ECONNREFUSED" },
  ];
  for (const { name, cause } of notNetwork) {
    it(`leaves ${name} unmapped: it is no network outcome`, () => {
      expect(transportError(cause, CALL)).to.equal(undefined);
    });
  }
});

describe("isRetryable: retry safety is the method's, not the transport's", () => {
  const REPEAT_SAFE = { repeatSafe: true };
  // A method like deliveryorder.create: a repeat after a maybe-applied call would duplicate a document.
  const NOT_REPEAT_SAFE = { repeatSafe: false };
  const CASES = [
    { delivery: "not-reached", ispCode: "isp.http-connection-refuse", safe: true, unsafe: true },
    { delivery: "maybe-applied", ispCode: "isp.http-read-timeout", safe: true, unsafe: false },
    { delivery: "unknown", ispCode: "isp.http-closed", safe: false, unsafe: false },
    { delivery: "maybe-applied", ispCode: undefined, safe: false, unsafe: false },
  ] as const;
  for (const { delivery, ispCode, safe, unsafe } of CASES) {
    it(`${delivery} (${ispCode ?? "no isp code: a gateway rejection"}): ${safe ? "retried" : "not retried"} for a repeat-safe method, ${unsafe ? "retried" : "not retried"} for one that is not`, () => {
      const error = new QimenDeliveryError("QIMEN_READ_TIMEOUT", "no answer", { delivery, ispCode });
      expect([isRetryable(error, REPEAT_SAFE), isRetryable(error, NOT_REPEAT_SAFE)]).to.deep.equal([safe, unsafe]);
    });
  }

  it("order.cancel is repeat-safe in its spec, so the client retries a maybe-applied cancel", () => {
    expect(ORDER_CANCEL_SPEC.repeatSafe).to.equal(true);
  });
});
