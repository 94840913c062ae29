import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import {
  PROBE_REASON,
  PROBE_REASON_ALTERED,
  validBody,
  wireCall,
  type ProbeContext,
  type ProbeEntry,
} from "./probe-model.js";

/*
 * Probes of the envelope: who signs, when, for whom and what. Each sends a call that is valid but
 * for one thing, so a WMS that lacks exactly that check accepts it and cancels the seeded order.
 */

/** A secret no WMS has: the `signature.other-secret` probe signs with it. */
export const OTHER_SECRET = "qimen-pact-probe-not-your-secret";
export const UNKNOWN_APP_KEY = "qimen-pact-probe-unknown-app-key";
export const OTHER_CUSTOMER_ID = "qimen-pact-probe-other-customer";
/** A real Qimen method that is not order.cancel. */
export const OTHER_METHOD = "taobao.qimen.deliveryorder.create";

const MINUTE_MS = 60_000;

function shifted(context: ProbeContext, ms: number): string {
  return formatBeijingTimestamp(new Date(context.now.getTime() + ms));
}

/** Yesterday's date with the hour past 24: a lenient parser (Java's default SimpleDateFormat) rolls it into now. */
export function rolledOverTimestamp(now: Date): string {
  const yesterday = formatBeijingTimestamp(new Date(now.getTime() - 24 * 60 * MINUTE_MS));
  const hour = Number(yesterday.slice(11, 13)) + 24;
  return `${yesterday.slice(0, 11)}${hour}${yesterday.slice(13)}`;
}

const REFUSED = { severity: "required", expects: "refused" } as const;

export const SIGNATURE_PROBES: readonly ProbeEntry[] = [
  {
    id: "signature.other-secret",
    ...REFUSED,
    sends: "a valid call signed with a secret that is not yours",
    why: "Qimen's go-live signature test (验签测试): anyone who knows the URL could cancel orders",
    fix: "check every call's sign with the secret of its app_key and answer failure (sign-check-failure) when it differs",
    build: (context) => wireCall(context, { secret: OTHER_SECRET }),
  },
  {
    id: "signature.missing",
    ...REFUSED,
    sends: "a valid call without the sign parameter",
    why: "a WMS that skips the check when no sign is sent has no check at all",
    fix: "refuse a call that carries no sign",
    build: (context) => wireCall(context, { sign: () => null }),
  },
  {
    id: "signature.without-body",
    ...REFUSED,
    sends: "a sign computed over the query params alone, not the body",
    why: "the sign must cover the exact body bytes, or the order fields can be changed freely",
    fix: "sign secret + sorted params + the exact body bytes + secret, and compare with the sign sent",
    build: (context) => wireCall(context, { signedBody: "" }),
  },
  {
    id: "signature.body-altered",
    ...REFUSED,
    sends: "a call whose body has one byte changed after signing",
    why: "the body is what the sign protects: one changed byte must make it fail",
    fix: "compute the sign over the body bytes exactly as received, before parsing or trimming them",
    build: (context) =>
      wireCall(context, {
        signedBody: validBody(context),
        body: validBody(context).replace(PROBE_REASON, PROBE_REASON_ALTERED),
      }),
  },
  {
    id: "signature.lower-case",
    ...REFUSED,
    sends: "the right sign written in lower-case hex",
    why: "Qimen signs are upper-case hex and the gateway always sends them so; SDK-built WMSs compare the exact string",
    fix: "compare the sign sent with the upper-case hex you compute, exactly, in constant time",
    build: (context) => wireCall(context, { sign: (sign) => sign.toLowerCase() }),
  },
  {
    id: "signature.hmac",
    severity: "advisory",
    expects: "refused",
    sends: "sign_method=hmac, signed with HmacMD5",
    why: "SDK-built WMSs (SpiUtils) verify md5 whatever sign_method says, so they refuse it; all real traffic is md5",
    fix: "verify md5 signs only and refuse other sign_method values, as the official SDK does",
    build: (context) => wireCall(context, { params: { sign_method: "hmac" }, signMethod: "hmac" }),
  },
];

export const TIMESTAMP_PROBES: readonly ProbeEntry[] = [
  {
    id: "timestamp.past-11-minutes",
    ...REFUSED,
    sends: "a timestamp 11 minutes in the past",
    why: "a WMS that accepts stale timestamps can be replayed: Qimen has no nonce, the timestamp window is the only guard",
    fix: "refuse timestamps more than 10 minutes (or your window) behind your clock, in Beijing time",
    build: (context) => wireCall(context, { params: { timestamp: shifted(context, -11 * MINUTE_MS) } }),
  },
  {
    id: "timestamp.future-11-minutes",
    severity: "advisory",
    expects: "refused",
    sends: "a timestamp 11 minutes in the future",
    why: "TOP documents a 10-minute tolerance either way; SDK-built WMSs (SpiUtils) check only the past",
    fix: "refuse timestamps more than 10 minutes ahead of your clock",
    build: (context) => wireCall(context, { params: { timestamp: shifted(context, 11 * MINUTE_MS) } }),
  },
  {
    id: "timestamp.utc-clock",
    ...REFUSED,
    sends: "a timestamp 8 hours in the past (a sender whose clock writes UTC)",
    why: "Qimen timestamps are Beijing time; a WMS accepting UTC ones has an 8-hour replay window",
    fix: "read the timestamp as Beijing time (UTC+8) whatever your server's zone, and keep the window",
    build: (context) => wireCall(context, { params: { timestamp: shifted(context, -8 * 60 * MINUTE_MS) } }),
  },
  {
    id: "timestamp.t-separator",
    ...REFUSED,
    sends: "the current time written yyyy-MM-ddTHH:mm:ss",
    why: "the format is yyyy-MM-dd HH:mm:ss; a lenient parser accepts what the gateway never sends",
    fix: "parse the timestamp with the exact pattern yyyy-MM-dd HH:mm:ss and refuse anything else",
    build: (context) => wireCall(context, { params: { timestamp: shifted(context, 0).replace(" ", "T") } }),
  },
  {
    id: "timestamp.no-seconds",
    ...REFUSED,
    sends: "the current time written yyyy-MM-dd HH:mm",
    why: "the format is yyyy-MM-dd HH:mm:ss; a lenient parser accepts what the gateway never sends",
    fix: "parse the timestamp with the exact pattern yyyy-MM-dd HH:mm:ss and refuse anything else",
    build: (context) => wireCall(context, { params: { timestamp: shifted(context, 0).slice(0, 16) } }),
  },
  {
    id: "timestamp.impossible-date",
    ...REFUSED,
    sends: "yesterday's date with an hour past 24 (it rolls over into the current time)",
    why: "Java's SimpleDateFormat is lenient by default and turns an impossible time into a valid one",
    fix: "parse strictly (setLenient(false)) and refuse times that do not exist",
    build: (context) => wireCall(context, { params: { timestamp: rolledOverTimestamp(context.now) } }),
  },
  {
    id: "timestamp.missing",
    ...REFUSED,
    sends: "a valid call without the timestamp parameter",
    why: "without a timestamp a captured call can be replayed forever",
    fix: "refuse a call that carries no timestamp",
    build: (context) => wireCall(context, { params: { timestamp: null } }),
  },
];

export const IDENTITY_PROBES: readonly ProbeEntry[] = [
  {
    id: "identity.unknown-app-key",
    ...REFUSED,
    sends: "an app_key the WMS does not know, signed with your secret",
    why: "the secret is looked up by app_key; a WMS that ignores app_key trusts any caller holding one secret",
    fix: "look the secret up by app_key and refuse an app_key you do not know",
    build: (context) => wireCall(context, { params: { app_key: UNKNOWN_APP_KEY } }),
  },
  {
    id: "identity.missing-app-key",
    ...REFUSED,
    sends: "a valid call without the app_key parameter",
    why: "without an app_key there is no secret to check the sign with",
    fix: "refuse a call that carries no app_key",
    build: (context) => wireCall(context, { params: { app_key: null } }),
  },
  {
    id: "identity.other-customer-id",
    severity: "advisory",
    expects: "refused",
    sends: "a customerId that is not yours",
    why: "the gateway routes on customerId; a call for another customer reached you by mistake",
    fix: "refuse calls whose customerId is not one you serve",
    build: (context) => wireCall(context, { params: { customerId: OTHER_CUSTOMER_ID } }),
  },
  {
    id: "identity.unknown-method",
    ...REFUSED,
    sends: `method=${OTHER_METHOD} with a cancel body`,
    why: "a WMS that routes every call to cancel would cancel orders for calls that meant something else",
    fix: "route on the method parameter and refuse methods you do not serve",
    build: (context) => wireCall(context, { params: { method: OTHER_METHOD } }),
  },
  {
    id: "identity.missing-method",
    ...REFUSED,
    sends: "a valid call without the method parameter",
    why: "a call that names no method must not be taken for a cancel",
    fix: "refuse a call that carries no method",
    build: (context) => wireCall(context, { params: { method: null } }),
  },
  {
    id: "identity.format-json",
    ...REFUSED,
    sends: "format=json with the XML body",
    why: "warehouse APIs speak XML only; an ERP asking for JSON would misread an XML answer",
    fix: "refuse format values other than xml",
    build: (context) => wireCall(context, { params: { format: "json" } }),
  },
  {
    id: "identity.param-twice",
    ...REFUSED,
    sends: "customerId given twice (the same value; the sign covers it once)",
    why: "sender and receiver may take different copies (Java's getParameter takes the first, others the last), so the sign no longer says what was meant",
    fix: "refuse a call in which a query parameter appears more than once",
    build: (context) =>
      wireCall(context, { unsignedSuffix: `&${new URLSearchParams({ customerId: context.customerId }).toString()}` }),
  },
];
