import { junitAttributes, junitText } from "../junit.js";
import { printable } from "../text.js";
import { FAULT_KINDS, faultName, type FaultKind, type GatewayFault } from "../wms/gateway-faults.js";
import type { QimenAnswer } from "../wms/qimen-call.js";
import type { Verdict } from "./findings.js";

/*
 * What an ERP did after each gateway fault `record --faults` injected, against what a correct ERP
 * does (README, `qimen-pact cancel`'s delivery table; docs/protocol.md §3 and §5): after a read
 * timeout the cancel may have been applied and repeating it is safe, so a retry is expected; after a
 * connection refused or timed out it was not applied, so without a retry the order stays open;
 * after a closed connection, a 502 or a reset the outcome is unknown: the ERP must check the order
 * (or repeat the cancel, which is safe). The sandbox applied those, so an ERP that assumed "not
 * applied" is wrong. What the ERP did next is read from its later calls with the same orderCode.
 */

/** One call of a recording as far as faults go: its number, order and how it was answered. */
export interface RelayedCallSummary {
  readonly number: number;
  readonly orderCode: string | undefined;
  readonly answer: QimenAnswer;
  readonly fault?: GatewayFault;
}

export type NextStep = "retried-answered" | "retried-faulted" | "never-retried";

export interface FaultOutcome {
  readonly call: number;
  readonly orderCode: string | undefined;
  readonly fault: string;
  /** Whether the WMS applied the cancel before the fault. */
  readonly applied: boolean;
  readonly next: NextStep;
  /** The later calls of the same order, up to the first one the ERP got the WMS's answer for. */
  readonly retries: readonly number[];
  /** The WMS's answer the ERP finally got, when it did. */
  readonly finalAnswer?: QimenAnswer;
  readonly expected: string;
  readonly verdict: Verdict;
}

type Expectation = "retry" | "check" | "nothing";

const EXPECTATIONS: Readonly<Record<FaultKind, Expectation>> = {
  "read-timeout": "retry",
  "connection-timeout": "retry",
  refuse: "retry",
  closed: "check",
  "502": "check",
  reset: "check",
  delay: "nothing",
};

const EXPECTED_WORDS: Readonly<Record<Expectation, (applied: boolean) => string>> = {
  retry: (applied) =>
    applied
      ? "retry: the cancel may have been applied, and repeating it is safe"
      : "retry: the cancel never reached the WMS, so without a retry the order stays open",
  check: () => "check the order in the WMS, or repeat the cancel (safe): whether it was applied is unknown",
  nothing: () => "nothing: the answer arrived, late (a retry after the ERP's own read timeout is safe too)",
};

/** Whether the ERP got the WMS's own answer for this call: no fault, or only a delay. */
const answered = (call: RelayedCallSummary): boolean => call.fault === undefined || call.fault.kind === "delay";

export function faultOutcomes(calls: readonly RelayedCallSummary[], strict: boolean): FaultOutcome[] {
  return calls.flatMap((call, index): FaultOutcome[] => {
    if (call.fault === undefined) return [];
    const later = calls.slice(index + 1).filter((other) => other.orderCode === call.orderCode);
    const firstAnswered = later.findIndex(answered);
    const retries = (firstAnswered === -1 ? later : later.slice(0, firstAnswered + 1)).map(({ number }) => number);
    const finalAnswer = firstAnswered === -1 ? undefined : later[firstAnswered]?.answer;
    const next: NextStep =
      call.orderCode === undefined || retries.length === 0
        ? "never-retried"
        : finalAnswer === undefined
          ? "retried-faulted"
          : "retried-answered";
    const { applied } = FAULT_KINDS[call.fault.kind];
    const expectation = EXPECTATIONS[call.fault.kind];
    return [
      {
        call: call.number,
        orderCode: call.orderCode,
        fault: faultName(call.fault),
        applied,
        next,
        retries,
        ...(finalAnswer === undefined ? {} : { finalAnswer }),
        expected: EXPECTED_WORDS[expectation](applied),
        verdict: verdictOf(expectation, next, strict),
      },
    ];
  });
}

/** Never retrying fails where a correct ERP must retry, and warns where it must check the order (it may have). */
function verdictOf(expectation: Expectation, next: NextStep, strict: boolean): Verdict {
  if (next !== "never-retried" || expectation === "nothing") return "conforms";
  return expectation === "retry" || strict ? "failed" : "warned";
}

function didNext(outcome: FaultOutcome): string {
  const calls = outcome.retries.map((number) => `call ${number}`).join(", ");
  if (outcome.next === "never-retried") return "never retried";
  if (outcome.finalAnswer === undefined) return `retried (${calls}), every retry faulted too`;
  const { flag, code } = outcome.finalAnswer;
  return `retried (${calls}) and got ${flag === "success" ? "success" : `failure ${code}`}`;
}

const VERDICT_WORDS = { conforms: "OK  ", warned: "WARN", failed: "FAIL" } as const;

function subject(outcome: FaultOutcome): string {
  const order = outcome.orderCode === undefined ? "(none)" : printable(outcome.orderCode);
  return `fault ${outcome.fault} at call ${outcome.call} orderCode ${order} (${outcome.applied ? "applied" : "not applied"})`;
}

/** One console line per faulted call: what the ERP did next, and what a correct ERP does. */
export function faultConsoleLines(outcomes: readonly FaultOutcome[]): string[] {
  return outcomes.map(
    (outcome) =>
      `${VERDICT_WORDS[outcome.verdict]} ${subject(outcome)}: ${didNext(outcome)} | a correct ERP does: ${outcome.expected}`,
  );
}

/** A JUnit testsuite of one testcase per faulted call, or nothing when no fault was injected. */
export function junitFaultSuite(outcomes: readonly FaultOutcome[], consumer: string): string[] {
  if (outcomes.length === 0) return [];
  const failures = outcomes.filter(({ verdict }) => verdict === "failed").length;
  const suite = junitAttributes({
    name: `qimen-pact record ${consumer} gateway faults`,
    tests: outcomes.length,
    failures,
    errors: 0,
  });
  const cases = outcomes.map((outcome) => {
    const open = `    <testcase ${junitAttributes({ name: subject(outcome), classname: `${consumer}.gateway-faults` })}`;
    const said = junitText(`${didNext(outcome)}; a correct ERP does: ${outcome.expected}`);
    if (outcome.verdict !== "failed") return `${open}><system-out>${said}</system-out></testcase>`;
    const failure = junitAttributes({ message: didNext(outcome), type: "gateway-fault" });
    return `${open}><failure ${failure}>${said}</failure></testcase>`;
  });
  return [`  <testsuite ${suite}>`, ...cases, "  </testsuite>"];
}
