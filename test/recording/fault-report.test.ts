import { expect } from "chai";
import { faultOutcomes, type RelayedCallSummary } from "../../src/recording/fault-report.js";
import type { GatewayFault } from "../../src/wms/gateway-faults.js";
import type { QimenAnswer } from "../../src/wms/qimen-call.js";

const SUCCESS: QimenAnswer = { flag: "success", code: "0", message: "cancelled" };
const call = (number: number, orderCode: string | undefined, fault?: GatewayFault): RelayedCallSummary => ({
  number,
  orderCode,
  answer: SUCCESS,
  ...(fault === undefined ? {} : { fault }),
});

/** What the ERP did after the fault at call 1, from its later calls, and the verdict against a correct ERP. */
const CASES: readonly (readonly [string, RelayedCallSummary[], boolean, Record<string, unknown>])[] = [
  [
    "retried after a read timeout and answered",
    [call(1, "A", { kind: "read-timeout" }), call(2, "B"), call(3, "A")],
    false,
    { next: "retried-answered", retries: [3], finalAnswer: SUCCESS, verdict: "conforms", applied: true },
  ],
  [
    "retried into faults only (every retry faulted too)",
    [call(1, "A", { kind: "refuse" }), call(2, "A", { kind: "refuse" })],
    false,
    { next: "retried-faulted", retries: [2], verdict: "conforms", applied: false },
  ],
  [
    "never retried after connection-timeout",
    [call(1, "A", { kind: "connection-timeout" }), call(2, "B")],
    false,
    { next: "never-retried", retries: [], verdict: "failed", applied: false },
  ],
  [
    "never retried after a reset: a warning, a failure under --strict",
    [call(1, "A", { kind: "reset" })],
    false,
    { next: "never-retried", verdict: "warned" },
  ],
  ["the same under --strict", [call(1, "A", { kind: "502" })], true, { next: "never-retried", verdict: "failed" }],
  [
    "a delay asks for nothing",
    [call(1, "A", { kind: "delay", delayMs: 5 })],
    true,
    { fault: "delay=5", verdict: "conforms" },
  ],
  [
    "a call without orderCode cannot be followed: never retried",
    [call(1, undefined, { kind: "read-timeout" }), call(2, undefined)],
    false,
    { next: "never-retried", verdict: "failed" },
  ],
];

describe("the fault report: what the ERP did next", () => {
  for (const [name, calls, strict, expected] of CASES) {
    it(name, () => {
      const [first] = faultOutcomes(calls, strict);
      expect(first).to.include({ call: 1 });
      expect(first).to.deep.include(expected);
    });
  }

  it("reports each faulted call once, in call order, and nothing for a run without faults", () => {
    const calls = [call(1, "A", { kind: "closed" }), call(2, "A", { kind: "refuse" }), call(3, "A")];
    expect(faultOutcomes(calls, false).map(({ call: number, next }) => [number, next])).to.deep.equal([
      [1, "retried-answered"],
      [2, "retried-answered"],
    ]);
    expect(faultOutcomes([call(1, "A"), call(2, "A")], false)).to.deep.equal([]);
  });
});
