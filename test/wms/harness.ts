import { expect } from "chai";
import { createHash, createHmac } from "node:crypto";
import { request } from "undici";
import type { OrderCancelRequest } from "../../src/protocol/model.js";
import { encodeCancelRequest } from "../../src/protocol/request-codec.js";
import { decodeResponse } from "../../src/protocol/response-codec.js";
import type { SignMethod } from "../../src/protocol/signing.js";
import { ORDER_CANCEL_METHOD } from "../../src/protocol/system-params.js";
import type { OrderDocument } from "../../src/wms/order-store.js";
import {
  createSandboxWms,
  type SandboxWms,
  type SandboxWmsOptions,
  type SandboxWmsUrls,
} from "../../src/wms/sandbox.js";

/** 2024-05-01 12:00:00 in Beijing: far from the real clock, so only the injected clock can make calls fresh. */
export const FIXED_NOW = new Date("2024-05-01T04:00:00.000Z");
export const FIXED_TIMESTAMP = "2024-05-01 12:00:00";
export const APP_KEY = "erp-under-test";
export const SECRET = "harness-secret-7f3a91";
export const CUSTOMER_ID = "wms-customer-1";

export const NEW_ORDER: OrderDocument = { warehouseCode: "W1", orderCode: "O-1001", status: "NEW" };
export const CANCEL_NEW_ORDER: OrderCancelRequest = { warehouseCode: "W1", orderCode: "O-1001" };
/** CANCEL_NEW_ORDER as the XML body a call carries. */
export const CANCEL_NEW_ORDER_BODY = encodeCancelRequest(CANCEL_NEW_ORDER);

export interface RunningSandbox extends SandboxWmsUrls {
  readonly wms: SandboxWms;
  readonly logLines: string[];
  /** Resolves once `count` log lines (already written or still to come) match, with those lines. */
  waitForLogLines(predicate: (line: string) => boolean, count?: number): Promise<string[]>;
}

/** A sandbox on 127.0.0.1:0 with the fixed clock and the harness credentials, logging into memory. */
export async function startSandbox(options: SandboxWmsOptions = {}): Promise<RunningSandbox> {
  const logLines: string[] = [];
  let notify = (): void => undefined;
  const wms = createSandboxWms({
    credentials: { [APP_KEY]: SECRET },
    now: () => FIXED_NOW,
    ...options,
    log: (line) => {
      logLines.push(line);
      notify();
    },
  });
  const urls = await wms.listen();
  return {
    ...urls,
    wms,
    logLines,
    waitForLogLines: (predicate, count = 1) =>
      new Promise((resolve) => {
        const check = (): void => {
          const matching = logLines.filter(predicate);
          if (matching.length >= count) resolve(matching);
        };
        const previous = notify;
        notify = () => {
          previous();
          check();
        };
        check();
      }),
  };
}

export interface CallOptions {
  readonly body?: string | Uint8Array;
  readonly method?: string;
  readonly timestamp?: string;
  readonly appKey?: string;
  readonly secret?: string;
  readonly customerId?: string;
  readonly signMethod?: SignMethod;
  readonly format?: string;
}

/**
 * Qimen's sign, written here from docs/protocol.md instead of imported, so that the sandbox is checked
 * against a signer of its own and a bug shared with the protocol core's cannot hide: every param
 * but `sign`, sorted by name, as name+value, then the body bytes; md5 wraps that in the secret,
 * hmac and hmac-sha256 key with it; upper-case hex.
 */
export function harnessSign(
  params: readonly (readonly [string, string])[],
  body: string | Uint8Array,
  secret: string,
  signMethod: SignMethod,
): string {
  const signed = [...params]
    .filter(([name]) => name !== "sign")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => name + value)
    .join("");
  const hash =
    signMethod === "md5"
      ? createHash("md5").update(secret)
      : createHmac(signMethod === "hmac" ? "md5" : "sha256", secret);
  hash.update(signed).update(body);
  if (signMethod === "md5") hash.update(secret);
  return hash.digest("hex").toUpperCase();
}

/** The query params of a call, signed over `body` by harnessSign, `sign` last; empty values left out, as senders do. */
export function signedParams(options: CallOptions = {}): [string, string][] {
  const body = options.body ?? CANCEL_NEW_ORDER_BODY;
  const signMethod = options.signMethod ?? "md5";
  const params = (
    [
      ["method", options.method ?? ORDER_CANCEL_METHOD.short],
      ["timestamp", options.timestamp ?? FIXED_TIMESTAMP],
      ["format", options.format ?? "xml"],
      ["app_key", options.appKey ?? APP_KEY],
      ["v", "2.0"],
      ["sign_method", signMethod],
      ["customerId", options.customerId ?? CUSTOMER_ID],
    ] as [string, string][]
  ).filter(([, value]) => value !== "");
  return [...params, ["sign", harnessSign(params, body, options.secret ?? SECRET, signMethod)]];
}

export function toSearch(params: readonly (readonly [string, string])[]): string {
  return new URLSearchParams(params as [string, string][]).toString();
}

export interface QimenReply {
  readonly flag: string;
  readonly code?: string;
  readonly message?: string;
}

/**
 * POSTs a Qimen call and returns the decoded envelope, after checking what every answer must be:
 * HTTP 200, text/xml;charset=utf-8, no byte-order mark, a `<response>` the ERP client can decode.
 */
export async function postQimen(
  sandbox: SandboxWmsUrls,
  search: string,
  body: string | Uint8Array,
  /** null sends no Content-Type at all. */
  contentType: string | null = "text/xml;charset=utf-8",
): Promise<QimenReply> {
  const response = await request(`${sandbox.qimenUrl.href}?${search}`, {
    method: "POST",
    headers: contentType === null ? {} : { "content-type": contentType },
    body,
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const text = bytes.toString("utf8");
  expect(response.statusCode, text).to.equal(200);
  expect(response.headers["content-type"]).to.equal("text/xml;charset=utf-8");
  // Never a byte-order mark: the official SDK's client cannot read an answer that starts with one.
  expect([...bytes.subarray(0, 3)], text).not.to.deep.equal([0xef, 0xbb, 0xbf]);
  return toReply(text);
}

/** The envelope of an answer body, decoded by the protocol core as the ERP client decodes it. */
export function toReply(text: string): QimenReply {
  const { flag, code, message } = decodeResponse(text);
  return { flag, ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) };
}

/** A request log line without its latency, the one part that varies from run to run. */
export const withoutLatency = (line: string): string => line.replace(/ latencyMs=\d+\.\d$/, "");

/** A correctly signed call (options override any part of it). */
export async function cancelCall(sandbox: SandboxWmsUrls, options: CallOptions = {}): Promise<QimenReply> {
  const body = options.body ?? CANCEL_NEW_ORDER_BODY;
  return postQimen(sandbox, toSearch(signedParams({ ...options, body })), body);
}

export interface StateReply {
  readonly status: number;
  readonly body: unknown;
}

/** POSTs a raw state-change body to the provider-states endpoint. */
export async function postState(sandbox: SandboxWmsUrls, body: string): Promise<StateReply> {
  const response = await request(sandbox.stateChangeUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  expect(response.headers["content-type"]).to.equal("application/json");
  return { status: response.statusCode, body: await response.body.json() };
}

export async function setState(
  sandbox: SandboxWmsUrls,
  state: string,
  params: Readonly<Record<string, unknown>>,
  action: "setup" | "teardown" = "setup",
): Promise<StateReply> {
  return postState(sandbox, JSON.stringify({ state, params, action }));
}

export const failure = (code: string, message: string): QimenReply => ({ flag: "failure", code, message });
export const ILLEGAL_REQUEST = failure("sign-check-failure", "Illegal request");
export const CANCELLED = { flag: "success", code: "0", message: `order "${NEW_ORDER.orderCode}" cancelled` };
