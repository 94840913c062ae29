import { ISP_HTTP_OUTCOMES, type DeliveryOutcome, type IspHttpCode } from "../protocol/model.js";

/*
 * Gateway faults `qimen-pact record --faults SPEC` injects between the ERP and the sandbox WMS, as
 * the Qimen gateway produces them (docs/protocol.md §3): TOP15 with an `isp.http-*` message, an
 * HTTP 502, a connection reset mid-answer, a slow answer. Which calls are hit is decided from the
 * call's number and orderCode only, so the same suite is faulted the same way on every run.
 *
 *   SPEC  := RULE (";" RULE)*            the first rule that matches a call decides
 *   RULE  := FAULT "@" WHEN
 *   FAULT := read-timeout | connection-timeout | refuse | closed | 502 | reset | delay=MS
 *   WHEN  := orderCode=GLOB              the first call of each order whose code matches
 *                                        (GLOB: * any characters, ? one); its retries go through
 *          | every=N                     the N-th, 2N-th, … Qimen call of the run
 */

export type FaultKind = "read-timeout" | "connection-timeout" | "refuse" | "closed" | "502" | "reset" | "delay";

export interface FaultKindInfo {
  /** Whether the WMS applies the cancel before the fault hits (the ERP cannot see it). */
  readonly applied: boolean;
  /** What the ERP can know afterwards, as our client reports it. */
  readonly delivery: DeliveryOutcome | "answered";
  /** The TOP15 message's `isp.http-*` code, for the faults the gateway answers in its envelope. */
  readonly ispCode?: IspHttpCode;
}

export const FAULT_KINDS: Readonly<Record<FaultKind, FaultKindInfo>> = {
  "read-timeout": gatewayFault("isp.http-read-timeout", true),
  "connection-timeout": gatewayFault("isp.http-connection-timeout", false),
  refuse: gatewayFault("isp.http-connection-refuse", false),
  // Unknown to the ERP: the WMS did apply it, so an ERP that assumes "not applied" is caught.
  closed: gatewayFault("isp.http-closed", true),
  "502": { applied: true, delivery: "unknown" },
  reset: { applied: true, delivery: "unknown" },
  delay: { applied: true, delivery: "answered" },
};

function gatewayFault(ispCode: IspHttpCode, applied: boolean): FaultKindInfo {
  return { applied, delivery: ISP_HTTP_OUTCOMES[ispCode], ispCode };
}

export interface GatewayFault {
  readonly kind: FaultKind;
  /** For `delay`: how long the answer is held back. */
  readonly delayMs?: number;
}

export type FaultTrigger = { readonly orderCode: string } | { readonly every: number };

export interface FaultRule {
  readonly fault: GatewayFault;
  readonly when: FaultTrigger;
}

/** A SPEC that does not parse; `part` is the rule at fault, as written. */
export class FaultSpecError extends Error {
  override readonly name = "FaultSpecError";
  constructor(
    readonly part: string,
    problem: string,
  ) {
    super(`${JSON.stringify(part)}: ${problem}`);
  }
}

/** The longest delay: a delay is there to exercise an ERP's read timeout, not to stall CI. */
export const MAX_FAULT_DELAY_MS = 120_000;
const KIND_NAMES: readonly string[] = ["read-timeout", "connection-timeout", "refuse", "closed", "502", "reset"];
const EXPECTED_FAULT = `one of ${KIND_NAMES.join(", ")} or delay=MS`;

export function parseFaultSpec(spec: string): FaultRule[] {
  if (spec.trim() === "") throw new FaultSpecError(spec, "empty: give at least one FAULT@WHEN rule");
  return spec.split(";").map((part) => parseRule(part.trim(), part));
}

function parseRule(rule: string, written: string): FaultRule {
  if (rule === "") throw new FaultSpecError(written, 'an empty rule: remove the stray ";"');
  const at = rule.indexOf("@");
  if (at === -1) throw new FaultSpecError(written, "expected FAULT@WHEN, e.g. read-timeout@every=3");
  return { fault: parseFault(rule.slice(0, at), written), when: parseTrigger(rule.slice(at + 1), written) };
}

function parseFault(fault: string, written: string): GatewayFault {
  const delay = /^delay=(.*)$/.exec(fault);
  if (delay !== null) {
    const delayMs = wholeNumber(delay[1] as string);
    if (delayMs === undefined || delayMs < 1 || delayMs > MAX_FAULT_DELAY_MS) {
      throw new FaultSpecError(written, `delay must be a whole number of milliseconds from 1 to ${MAX_FAULT_DELAY_MS}`);
    }
    return { kind: "delay", delayMs };
  }
  if (!KIND_NAMES.includes(fault))
    throw new FaultSpecError(written, `unknown fault "${fault}": expected ${EXPECTED_FAULT}`);
  return { kind: fault as FaultKind };
}

function parseTrigger(when: string, written: string): FaultTrigger {
  const [key, value = ""] = splitOnce(when, "=");
  if (key === "orderCode" && value !== "") return { orderCode: value };
  if (key === "every") {
    const every = wholeNumber(value);
    if (every !== undefined && every >= 1) return { every };
    throw new FaultSpecError(written, "every must be a whole number from 1");
  }
  throw new FaultSpecError(written, `expected orderCode=GLOB or every=N after "@", got "${when}"`);
}

function splitOnce(text: string, separator: string): [string, string?] {
  const index = text.indexOf(separator);
  return index === -1 ? [text] : [text.slice(0, index), text.slice(index + 1)];
}

function wholeNumber(text: string): number | undefined {
  return /^[0-9]{1,9}$/.test(text) ? Number(text) : undefined;
}

/**
 * Decides, call by call in arrival order, which fault hits: the first rule that matches. An
 * orderCode rule hits the first call of each matching order only, so a retry can succeed.
 */
export function faultPlan(
  rules: readonly FaultRule[],
): (number: number, orderCode: string | undefined) => GatewayFault | undefined {
  const patterns = rules.map(({ when }) => ("orderCode" in when ? globPattern(when.orderCode) : undefined));
  const faultedOrders = new Set<string>();
  return (number, orderCode) => {
    const index = rules.findIndex(({ when }, ruleIndex) => {
      if ("every" in when) return number % when.every === 0;
      const key = `${ruleIndex}\u0000${orderCode}`;
      return orderCode !== undefined && patterns[ruleIndex]?.test(orderCode) === true && !faultedOrders.has(key);
    });
    const rule = rules[index];
    if (rule === undefined) return undefined;
    if ("orderCode" in rule.when) faultedOrders.add(`${index}\u0000${orderCode}`);
    return rule.fault;
  };
}

function globPattern(glob: string): RegExp {
  const source = [...glob]
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "s");
}

/** How a fault is named in reports: `read-timeout`, `delay=800`. */
export function faultName(fault: GatewayFault): string {
  return fault.kind === "delay" ? `delay=${fault.delayMs}` : fault.kind;
}
