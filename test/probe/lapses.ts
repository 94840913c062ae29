import { GBK_REASON } from "../../provider-verify/probe/body-probes.js";
import { OTHER_SECRET } from "../../provider-verify/probe/envelope-probes.js";
import { PROBE_REASON, PROBE_REASON_ALTERED } from "../../provider-verify/probe/probe-model.js";
import { ORDER_TYPE_CODES } from "../../src/protocol/order-types.js";
import { computeSign } from "../../src/protocol/signing.js";
import { formatBeijingTimestamp, parseBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import type { Lapse, LapseOutcome, LaxCall } from "./lax-wms.js";

/*
 * For each required probe, the one check a WMS can lack so that it fails that probe: what such a
 * WMS does with the probe's call. `accepts` lapses let the call through as if it were right;
 * `throws` lapses answer HTTP 500 with a stack-trace page, as a WMS whose code trips over it.
 */

const MINUTE_MS = 60_000;

function signOf(params: URLSearchParams, body: Uint8Array | string, secret = SANDBOX_SECRET): string {
  return computeSign({ params: [...params].filter(([name]) => name !== "sign"), body, secret });
}

/** The call made right: params changed as given, the body replaced, signed again with the sandbox's secret. */
function resigned(call: LaxCall, changes: Readonly<Record<string, string>> = {}, body: Buffer = call.body): LaxCall {
  const params = new URLSearchParams(call.params);
  for (const [name, value] of Object.entries(changes)) params.set(name, value);
  params.set("sign", signOf(params, body));
  return { params, body };
}

const THROWS: LapseOutcome = {
  status: 500,
  contentType: "text/html;charset=utf-8",
  body: "<html><body><h1>HTTP Status 500 – Internal Server Error</h1><pre>java.lang.NullPointerException</pre></body></html>",
};

function when(condition: (call: LaxCall) => boolean, outcome: (call: LaxCall) => LapseOutcome): Lapse {
  return (call) => (condition(call) ? outcome(call) : undefined);
}

const text = (call: LaxCall): string => call.body.toString("utf8");
const signedRightWith = (call: LaxCall, body: Uint8Array | string, secret?: string): boolean =>
  call.params.get("sign") === signOf(call.params, body, secret);
/** How far the call's timestamp (shifted) is behind the clock; negative when ahead. */
const lagMs = (call: LaxCall, shiftMs = 0): number | undefined => {
  const sentAt = parseBeijingTimestamp(call.params.get("timestamp") ?? "");
  return sentAt === undefined ? undefined : Date.now() - sentAt.getTime() - shiftMs;
};
const lacksField = (call: LaxCall, field: string): boolean =>
  text(call).includes("<request>") && !text(call).includes(`<${field}>`);
const now = (): string => formatBeijingTimestamp(new Date());

/** Java's lenient SimpleDateFormat: an hour past 23 rolls into the next day. */
function lenientTimestamp(call: LaxCall): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(call.params.get("timestamp") ?? "");
  if (match === null || Number(match[4]) < 24) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1).map(Number);
  const instant = Date.UTC(year, month - 1, day, hour - 8, minute, second);
  return formatBeijingTimestamp(new Date(instant));
}

export const LAPSES: Readonly<Record<string, Lapse>> = {
  // A second, default secret left in the code.
  "signature.other-secret": when(
    (call) => signedRightWith(call, call.body, OTHER_SECRET),
    (call) => resigned(call),
  ),
  "signature.missing": when(
    (call) => !call.params.has("sign"),
    (call) => resigned(call),
  ),
  "signature.without-body": when(
    (call) => call.body.length > 0 && signedRightWith(call, ""),
    (call) => resigned(call),
  ),
  // Signs a copy of the body taken before something changed it.
  "signature.body-altered": when(
    (call) => signedRightWith(call, text(call).replace(PROBE_REASON_ALTERED, PROBE_REASON)),
    (call) => resigned(call),
  ),
  "signature.lower-case": when(
    (call) => /^[0-9a-f]{32}$/.test(call.params.get("sign") ?? "") && /[a-f]/.test(call.params.get("sign") ?? ""),
    (call) => resigned(call),
  ),
  // A 15-minute window into the past.
  "timestamp.past-11-minutes": when(
    (call) => (lagMs(call) ?? 0) > 10 * MINUTE_MS && (lagMs(call) ?? 0) < 15 * MINUTE_MS,
    (call) => resigned(call, { timestamp: now() }),
  ),
  // Takes UTC timestamps too.
  "timestamp.utc-clock": when(
    (call) => Math.abs(lagMs(call, 8 * 60 * MINUTE_MS) ?? Infinity) < MINUTE_MS,
    (call) => resigned(call, { timestamp: now() }),
  ),
  "timestamp.t-separator": when(
    (call) => call.params.get("timestamp")?.includes("T") === true,
    (call) => resigned(call, { timestamp: now() }),
  ),
  "timestamp.no-seconds": when(
    (call) => /^\S+ \d{2}:\d{2}$/.test(call.params.get("timestamp") ?? ""),
    (call) => resigned(call, { timestamp: now() }),
  ),
  "timestamp.impossible-date": when(
    (call) => lenientTimestamp(call) !== undefined,
    (call) => resigned(call, { timestamp: lenientTimestamp(call) ?? "" }),
  ),
  "timestamp.missing": when(
    (call) => !call.params.has("timestamp"),
    (call) => resigned(call, { timestamp: now() }),
  ),
  // Single-tenant: one secret, whatever app_key says.
  "identity.unknown-app-key": when(
    (call) => call.params.has("app_key") && call.params.get("app_key") !== SANDBOX_APP_KEY,
    (call) => resigned(call, { app_key: SANDBOX_APP_KEY }),
  ),
  "identity.missing-app-key": when(
    (call) => !call.params.has("app_key"),
    (call) => resigned(call, { app_key: SANDBOX_APP_KEY }),
  ),
  // Routes every call to cancel.
  "identity.unknown-method": when(
    (call) => call.params.has("method") && !call.params.get("method")?.endsWith("order.cancel"),
    (call) => resigned(call, { method: "order.cancel" }),
  ),
  "identity.missing-method": when(
    (call) => !call.params.has("method"),
    (call) => resigned(call, { method: "order.cancel" }),
  ),
  "identity.format-json": when(
    (call) => call.params.has("format") && call.params.get("format") !== "xml",
    (call) => resigned(call, { format: "xml" }),
  ),
  // Takes the first copy of each param, like Java's getParameter.
  "identity.param-twice": when(
    (call) => new Set(call.params.keys()).size < [...call.params.keys()].length,
    (call) => ({ params: new URLSearchParams(new Map([...call.params].reverse())), body: call.body }),
  ),
  "body.missing-warehouseCode": when(
    (call) => lacksField(call, "warehouseCode"),
    () => THROWS,
  ),
  "body.missing-orderCode": when(
    (call) => lacksField(call, "orderCode"),
    () => THROWS,
  ),
  "body.empty": when(
    (call) => call.body.length === 0,
    () => THROWS,
  ),
  // Looks the fields up anywhere in the document.
  "body.wrong-root": when(
    (call) => text(call).includes("<xml>"),
    (call) =>
      resigned(call, {}, Buffer.from(text(call).replaceAll("<xml>", "<request>").replaceAll("</xml>", "</request>"))),
  ),
  "body.not-well-formed": when(
    (call) => text(call).includes("<request>") && !text(call).includes("</request>"),
    () => THROWS,
  ),
  // Expands entities.
  "body.dtd-entities": when(
    (call) => text(call).includes("<!DOCTYPE"),
    (call) =>
      resigned(
        call,
        {},
        Buffer.from(
          text(call)
            .replace(/<!DOCTYPE[^\]]*\]>/, "")
            .replace("&c;", "qimen-pact".repeat(100)),
        ),
      ),
  ),
  // No size limit: reads it all.
  "body.5mb": when(
    (call) => call.body.length > 1024 * 1024,
    (call) => {
      const body = text(call);
      const reason = body.indexOf("<cancelReason>") + "<cancelReason>".length;
      return resigned(call, {}, Buffer.from(body.slice(0, reason) + body.slice(body.indexOf("</cancelReason>"))));
    },
  ),
  // Decodes leniently, U+FFFD for bad bytes.
  "body.invalid-utf8": when(
    (call) => call.body.includes(0xff),
    (call) => resigned(call, {}, Buffer.from(text(call))),
  ),
  // Guesses the charset.
  "body.gbk-as-utf8": when(
    (call) => call.body.includes(GBK_REASON),
    (call) => resigned(call, {}, Buffer.from(new TextDecoder("gbk").decode(call.body))),
  ),
  "robust.orderType-unknown-code": when(
    (call) => {
      const code = /<orderType>([^<]*)<\/orderType>/.exec(text(call))?.[1];
      return code !== undefined && !(ORDER_TYPE_CODES as readonly string[]).includes(code);
    },
    () => THROWS,
  ),
  // A varchar(255) column.
  "robust.cancelReason-500-chinese-chars": when(
    (call) => [...(/<cancelReason>([^<]*)<\/cancelReason>/.exec(text(call))?.[1] ?? "")].length === 500,
    () => THROWS,
  ),
  "robust.extendProps-unknown-keys": when(
    (call) => text(call).includes("<extendProps>"),
    () => THROWS,
  ),
  "robust.subSourceOrders-item-sub_source_order": when(
    (call) => text(call).includes("<sub_source_order>"),
    () => THROWS,
  ),
  // Assumes every optional field is there.
  "robust.required-only": when(
    (call) =>
      ["<warehouseCode>", "<orderCode>"].every((tag) => text(call).includes(tag)) &&
      (text(call).match(/<[A-Za-z_]+>/g) ?? []).length === 3,
    () => THROWS,
  ),
};
