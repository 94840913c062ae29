import { QimenError } from "../src/protocol/errors.js";
import { computeSign, isSignMethod, SIGN_METHODS } from "../src/protocol/signing.js";
import { ORDER_CANCEL_METHOD, ORDER_CANCEL_NAMES, type MethodNameForm } from "../src/protocol/system-params.js";
import { formatBeijingTimestamp } from "../src/protocol/timestamp.js";

/** What the verifier delivers as, standing in for the Qimen gateway. */
export interface GatewaySettings {
  /** The WMS's registered Qimen URL, path included; no query (the gateway writes the query). */
  readonly providerUrl: URL;
  readonly secret: string;
  /** Replaces the contract's example `app_key` when given. */
  readonly appKey?: string;
  /** Replaces the contract's example `customerId` when given. */
  readonly customerId?: string;
  /** `short` (order.cancel, what WMS-side code routes on) or `long` (taobao.qimen.order.cancel). */
  readonly methodName: MethodNameForm;
}

/** The request as Pact's verifier sent it to us: the contract's example, with example values. */
export interface ContractCall {
  /** The raw query string, without `?`. */
  readonly search: string;
  /** The exact body bytes. */
  readonly body: Uint8Array;
}

export interface GatewayCall {
  readonly url: URL;
  /** The query parameters sent, URL-decoded and in order, without `sign`. */
  readonly params: readonly (readonly [string, string])[];
  readonly sign: string;
  /**
   * Every sign computed for the call, to be kept out of reports: the one sent and, for a bad
   * signature, the right one, which would authenticate the call.
   */
  readonly signs: readonly string[];
}

/** Signing with another secret gives a well-formed sign that is wrong: a WMS must reject it on its value. */
const WRONG_SECRET_PREFIX = "not-the-secret:";

/**
 * The call as the Qimen gateway delivers it to the WMS: to the exact provider URL (path included);
 * a fresh Beijing `timestamp`; the provider's `app_key`/`customerId` when given; `method` renamed
 * to the chosen form; no empty-valued parameter; and a `sign` computed over these parameters and
 * the exact body bytes (with a wrong secret when `badSignature`). Every other parameter of the
 * contract (format, v, sign_method) is kept.
 */
export function toGatewayCall(
  call: ContractCall,
  settings: GatewaySettings,
  options: { readonly now: Date; readonly badSignature: boolean },
): GatewayCall {
  // A Map: a contract's `constructor=x` param must be kept as written, not replaced by Object's own.
  const replacements: ReadonlyMap<string, string | undefined> = new Map([
    ["timestamp", formatBeijingTimestamp(options.now)],
    ["app_key", settings.appKey],
    ["customerId", settings.customerId],
  ]);
  const params = [...new URLSearchParams(call.search)]
    .filter(([key]) => key !== "sign")
    .map(([key, value]): [string, string] => {
      if (key === "method" && ORDER_CANCEL_NAMES.has(value)) return [key, ORDER_CANCEL_METHOD[settings.methodName]];
      return [key, replacements.get(key) ?? value];
    })
    .filter(([, value]) => value !== "");
  const signMethod = params.find(([key]) => key === "sign_method")?.[1] ?? "md5";
  if (!isSignMethod(signMethod)) {
    throw new QimenError(
      "QIMEN_CONTRACT_INVALID",
      `the contract's request has sign_method=${signMethod}: the gateway signs with ${SIGN_METHODS.join(", ")}`,
      { context: { signMethod } },
    );
  }
  const signWith = (secret: string): string => computeSign({ params, body: call.body, secret, signMethod });
  const rightSign = signWith(settings.secret);
  const sign = options.badSignature ? signWith(WRONG_SECRET_PREFIX + settings.secret) : rightSign;
  const url = new URL(settings.providerUrl);
  url.search = new URLSearchParams([...params, ["sign", sign]]).toString();
  return { url, params, sign, signs: [...new Set([sign, rightSign])] };
}
