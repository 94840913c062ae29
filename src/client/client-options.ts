import { isSignMethod, SIGN_METHODS, type SignMethod } from "../protocol/signing.js";
import { ORDER_CANCEL_METHOD } from "../protocol/system-params.js";
import type { QimenClientOptions } from "./qimen-client.js";

/* The ERP client's options, checked once when the client is made. */

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
const DEFAULT_BACKOFF_MS = 500;
const MAX_ATTEMPTS = 10;

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

/** The options once checked, as the client uses them. */
export interface Settings {
  readonly endpoint: string;
  readonly method: string;
  readonly signMethod: SignMethod;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly clock: () => Date;
  readonly attempts: number;
  readonly backoffMs: number;
}

export function checkClientOptions(options: QimenClientOptions): Settings {
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
