import { contentTypeProblem, describeContentTypeProblem } from "../protocol/content-type.js";
import { QIMEN_API_VERSION, QIMEN_FORMAT } from "../protocol/system-params.js";
import { parseBeijingTimestamp } from "../protocol/timestamp.js";
import type { ObservedCall } from "../wms/observed-call.js";
import { fail, warn, type Finding } from "./findings.js";
import { signCause, spiUtilsAcceptsSign } from "./sign-causes.js";

/** What the judge needs besides the call: the secret the ERP was given, to find why a sign is wrong. */
export interface JudgeSettings {
  readonly secret: string;
}

/** SpiUtils's default: timestamps further in the past are refused (future ones are not looked at). */
export const SPI_UTILS_PAST_WINDOW_MS = 5 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** `v` values Qimen senders use. */
const KNOWN_VERSIONS: ReadonlySet<string> = new Set([QIMEN_API_VERSION, "1.0"]);

/**
 * Every finding about one call. The sandbox already refuses what an SDK-built WMS refuses (its
 * answer is the first finding, with the likely cause when the sign or the clock is wrong); this adds
 * what it accepts and a real WMS may not: empty params, a timestamp SpiUtils finds too old, system
 * params left out, a repeated Content-Type, the `sub_source_order` item name, and its warnings.
 */
export function judgeCall(call: ObservedCall, settings: JudgeSettings): Finding[] {
  const params = [...new URLSearchParams(call.search)];
  const findings = [...refusal(call, params, settings), ...paramFindings(params), ...headerFindings(call)];
  const timestamp = params.find(([name]) => name === "timestamp")?.[1];
  if (call.answer.code !== "timestamp-out-of-window" && timestamp !== undefined) {
    findings.push(...pastWindow(timestamp, call.receivedAt));
  }
  findings.push(
    ...call.warnings.map((message) => warn(message.startsWith("orderType") ? "order-type" : "body", message)),
  );
  if (call.body !== undefined && /<sub_source_order[\s/>]/.test(Buffer.from(call.body).toString("utf8"))) {
    findings.push(
      warn(
        "sub-source-order",
        "<subSourceOrders> items are named <sub_source_order>: most WMSs read <subSourceOrder>, send that",
      ),
    );
  }
  return findings;
}

/** The sandbox's refusal, if it refused: a WMS's answer about the order itself (order-*) is no refusal. */
function refusal(call: ObservedCall, params: readonly [string, string][], settings: JudgeSettings): Finding[] {
  const { flag, code, message } = call.answer;
  if (flag === "success" || code.startsWith("order-")) {
    const signed = { params, body: call.body ?? new Uint8Array(0), secret: settings.secret };
    // The sandbox also takes a sign made without empty params (the SDK sender's way); SpiUtils does not.
    return spiUtilsAcceptsSign(signed) ? [] : [fail("sign", `SDK-built WMSs refuse the sign: ${signCause(signed)}`)];
  }
  if (code === "sign-check-failure") {
    return [
      fail(
        "sign",
        `wrong sign: ${signCause({ params, body: call.body ?? new Uint8Array(0), secret: settings.secret })}`,
      ),
    ];
  }
  if (code === "timestamp-out-of-window")
    return [fail("timestamp", `${message}${clockCause(params, call.receivedAt)}`)];
  return [fail(code, message)];
}

function paramFindings(params: readonly [string, string][]): Finding[] {
  const findings: Finding[] = [];
  const value = (name: string) => params.find(([key]) => key === name)?.[1];
  const empty = params.filter(([, text]) => text === "").map(([name]) => name);
  if (empty.length > 0) {
    findings.push(
      fail(
        "param-empty",
        `query params sent with an empty value (${empty.join(", ")}): senders leave them out, since SpiUtils signs them and the SDK sender does not`,
      ),
    );
  }
  const format = value("format");
  if (format === undefined) findings.push(warn("format", `no format param: send format=${QIMEN_FORMAT}`));
  const version = value("v");
  if (version === undefined) findings.push(warn("v", `no v param: send v=${QIMEN_API_VERSION}`));
  else if (!KNOWN_VERSIONS.has(version))
    findings.push(fail("v", `v=${version} is no Qimen API version: send v=${QIMEN_API_VERSION}`));
  if (value("sign_method") === undefined)
    findings.push(warn("sign-method", "no sign_method param: send sign_method=md5"));
  return findings;
}

function headerFindings(call: ObservedCall): Finding[] {
  const contentTypes = call.headers.filter(([name]) => name.toLowerCase() === "content-type").map(([, text]) => text);
  if (contentTypes.length > 1)
    return [fail("content-type", `Content-Type sent ${contentTypes.length} times: send it once`)];
  const problem = contentTypeProblem("request", contentTypes[0]);
  // The sandbox has already refused such a call; said here only if it has not (it answered something else first).
  if (problem === undefined || call.answer.code === "content-type-unsupported") return [];
  return [fail("content-type", describeContentTypeProblem("request", problem))];
}

function pastWindow(timestamp: string, receivedAt: Date): Finding[] {
  const sentAt = parseBeijingTimestamp(timestamp);
  if (sentAt === undefined) return [];
  const pastMs = receivedAt.getTime() - sentAt.getTime();
  if (pastMs <= SPI_UTILS_PAST_WINDOW_MS) return [];
  return [
    fail(
      "timestamp",
      `timestamp ${timestamp} is ${Math.round(pastMs / 1000)} s old: SpiUtils refuses calls over ${SPI_UTILS_PAST_WINDOW_MS / 60_000} minutes old`,
    ),
  ];
}

/** Why a timestamp is out of the window, when whole hours explain it. */
function clockCause(params: readonly [string, string][], receivedAt: Date): string {
  const text = params.find(([name]) => name === "timestamp")?.[1] ?? "";
  const sentAt = parseBeijingTimestamp(text);
  if (sentAt === undefined) return "";
  const hours = Math.round((sentAt.getTime() - receivedAt.getTime()) / HOUR_MS);
  const offHours = Math.abs(sentAt.getTime() - receivedAt.getTime() - hours * HOUR_MS) < 5 * 60 * 1000;
  if (!offHours || hours === 0) return "";
  if (hours === -8)
    return " (8 hours behind: the ERP's clock is formatted in UTC; Qimen timestamps are Beijing time, GMT+8)";
  return ` (${Math.abs(hours)} hours ${hours < 0 ? "behind" : "ahead"}: the ERP formats its time in UTC${8 + hours >= 0 ? "+" : ""}${8 + hours}, not Beijing time, GMT+8)`;
}
