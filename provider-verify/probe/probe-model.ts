import type { MethodSpec } from "../../src/protocol/methods/order-cancel.js";
import { computeSign, type SignMethod } from "../../src/protocol/signing.js";
import { QIMEN_API_VERSION, QIMEN_FORMAT } from "../../src/protocol/system-params.js";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { writeXmlDocument, type XmlChildren } from "../../src/protocol/xml-writer.js";

/** `required` probes fail the run; `advisory` ones warn, and fail it only with --strict. */
export type Severity = "required" | "advisory";

/**
 * What a probe's call must get:
 * - `refused`: HTTP 200, an SDK-readable `<response>`, flag exactly `failure`, a code and a message;
 * - `readable`: any SDK-readable envelope, flag `success` or `failure` (an unusual but valid call).
 */
export type Expectation = "refused" | "readable";

export type ProbeGroup = "signature" | "timestamp" | "identity" | "body" | "robustness";

/** What a probe's call is built from: the run's credentials and clock, and the document seeded for it. */
export interface ProbeContext {
  readonly spec: MethodSpec;
  readonly appKey: string;
  readonly secret: string;
  readonly customerId: string;
  readonly now: Date;
  /** The document seeded for this probe alone (`an order exists`, NEW). */
  readonly warehouseCode: string;
  readonly orderCode: string;
}

/** One call as it goes on the wire. */
export interface WireCall {
  /** The query string, without `?`. */
  readonly search: string;
  readonly body: Uint8Array;
  /** Every sign computed for the call, sent or not: never printed. */
  readonly signs: readonly string[];
}

export interface Probe {
  /** Stable: CI configurations name it in --only and --skip. */
  readonly id: string;
  readonly group: ProbeGroup;
  readonly severity: Severity;
  readonly expects: Expectation;
  /** What the call sends, in a few words. */
  readonly sends: string;
  /** Why a WMS must answer it so. */
  readonly why: string;
  /** What to change in a WMS that fails it. */
  readonly fix: string;
  build(context: ProbeContext): WireCall;
}

/** A Probe without its group, which the catalogue's sections add. */
export type ProbeEntry = Omit<Probe, "group">;

/** The text a probe's valid body gives as cancel reason; `sign-body-altered` changes one byte of it after signing. */
export const PROBE_REASON = "qimen-pact probe: signed";
export const PROBE_REASON_ALTERED = "qimen-pact probe: Signed";

export interface WireOptions {
  /** Query params to replace; null leaves one out. */
  readonly params?: Readonly<Record<string, string | null>>;
  /** Default: the valid body (required fields and PROBE_REASON). */
  readonly body?: string | Uint8Array;
  /** The body the sign covers, when it is not the one sent. */
  readonly signedBody?: string | Uint8Array;
  readonly secret?: string;
  readonly signMethod?: SignMethod;
  /** Turns the right sign into the one sent; null sends none. */
  readonly sign?: (sign: string) => string | null;
  /** Appended to the query after signing, e.g. `&name=value` (the sign does not cover it). */
  readonly unsignedSuffix?: string;
}

/** The system params of a valid call, in the order the gateway sends them. */
function systemParams(context: ProbeContext): [string, string][] {
  return [
    ["method", context.spec.methodNames.short],
    ["timestamp", formatBeijingTimestamp(context.now)],
    ["format", QIMEN_FORMAT],
    ["app_key", context.appKey],
    ["v", QIMEN_API_VERSION],
    ["sign_method", "md5"],
    ["customerId", context.customerId],
  ];
}

/** A call signed as the gateway signs it, but for what `options` changes. */
export function wireCall(context: ProbeContext, options: WireOptions = {}): WireCall {
  const overrides = options.params ?? {};
  const params = systemParams(context)
    .map(([name, value]): [string, string | null] => [name, name in overrides ? (overrides[name] ?? null) : value])
    .filter((pair): pair is [string, string] => pair[1] !== null);
  for (const [name, value] of Object.entries(overrides)) {
    if (value !== null && !params.some(([known]) => known === name)) params.push([name, value]);
  }
  const body = bytes(options.body ?? validBody(context));
  const rightSign = computeSign({
    params,
    body: bytes(options.signedBody ?? body),
    secret: options.secret ?? context.secret,
    signMethod: options.signMethod ?? "md5",
  });
  const sent = options.sign === undefined ? rightSign : options.sign(rightSign);
  const query = new URLSearchParams(sent === null ? params : [...params, ["sign", sent]]).toString();
  return { search: query + (options.unsignedSuffix ?? ""), body, signs: [rightSign, ...(sent === null ? [] : [sent])] };
}

/** The required fields of the spec, with the seeded document's codes and the spec's examples for the rest. */
export function requiredContent(context: ProbeContext): Record<string, string> {
  const known: Readonly<Record<string, string>> = {
    warehouseCode: context.warehouseCode,
    orderCode: context.orderCode,
  };
  return Object.fromEntries(
    context.spec.requestFields
      .filter((field) => field.required)
      .map((field) => [field.name, known[field.name] ?? field.example ?? "qimen-pact-probe"]),
  );
}

/** The request document of `content` under the spec's root. */
export function requestDocument(context: ProbeContext, content: XmlChildren): string {
  return writeXmlDocument(context.spec.requestRoot, content);
}

/** A valid body: the required fields and a cancel reason. */
export function validBody(context: ProbeContext): string {
  return requestDocument(context, { ...requiredContent(context), cancelReason: PROBE_REASON });
}

export function bytes(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}
