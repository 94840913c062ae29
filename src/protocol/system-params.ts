import { computeSign, type SignMethod } from "./signing.js";

/** The API name the ERP calls the gateway with, and the name WMS-side code routes on. */
export const ORDER_CANCEL_METHOD = { long: "taobao.qimen.order.cancel", short: "order.cancel" } as const;
export type MethodNameForm = keyof typeof ORDER_CANCEL_METHOD;
/** Both spellings of order.cancel's method name. */
export const ORDER_CANCEL_NAMES: ReadonlySet<string> = new Set(Object.values(ORDER_CANCEL_METHOD));

export const QIMEN_FORMAT = "xml";
/** The Content-Type of Qimen bodies, requests and answers alike. */
export const QIMEN_CONTENT_TYPE = "text/xml;charset=utf-8";
export const QIMEN_API_VERSION = "2.0";

/** Qimen's system (query) parameters, before signing. */
export interface SystemParams {
  readonly method: string;
  /** `yyyy-MM-dd HH:mm:ss`, Beijing time. */
  readonly timestamp: string;
  readonly appKey: string;
  readonly customerId: string;
  readonly format?: string;
  readonly v?: string;
  readonly signMethod?: SignMethod;
}

export interface SignedQuery {
  /** Parameters in the order they are sent, `sign` last, URL-decoded. */
  readonly params: readonly (readonly [string, string])[];
  readonly sign: string;
  /** `application/x-www-form-urlencoded` query string (space as `+`), without the leading `?`. */
  readonly search: string;
}

/**
 * The signed query string for one call. Empty values are left out before signing, because the
 * SDK sender skips them while receivers would sign them: sent, they could never verify.
 */
export function signQuery(system: SystemParams, body: string | Uint8Array, secret: string): SignedQuery {
  const signMethod = system.signMethod ?? "md5";
  const unsigned: [string, string][] = (
    [
      ["method", system.method],
      ["timestamp", system.timestamp],
      ["format", system.format ?? QIMEN_FORMAT],
      ["app_key", system.appKey],
      ["v", system.v ?? QIMEN_API_VERSION],
      ["sign_method", signMethod],
      ["customerId", system.customerId],
    ] as [string, string][]
  ).filter(([, value]) => value !== "");
  const sign = computeSign({ params: unsigned, body, secret, signMethod });
  const params = [...unsigned, ["sign", sign] as const];
  return { params, sign, search: new URLSearchParams(params as [string, string][]).toString() };
}
