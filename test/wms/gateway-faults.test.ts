import { expect } from "chai";
import { faultPlan, FaultSpecError, parseFaultSpec, type FaultRule } from "../../src/wms/gateway-faults.js";

const VALID: readonly (readonly [string, FaultRule[]])[] = [
  ["read-timeout@orderCode=SO-9*", [{ fault: { kind: "read-timeout" }, when: { orderCode: "SO-9*" } }]],
  [
    "refuse@every=5; delay=800@every=3",
    [
      { fault: { kind: "refuse" }, when: { every: 5 } },
      { fault: { kind: "delay", delayMs: 800 }, when: { every: 3 } },
    ],
  ],
  ["connection-timeout@every=1", [{ fault: { kind: "connection-timeout" }, when: { every: 1 } }]],
  ["closed@orderCode=A=B", [{ fault: { kind: "closed" }, when: { orderCode: "A=B" } }]],
  [
    "502@every=2;reset@orderCode=?X",
    [
      { fault: { kind: "502" }, when: { every: 2 } },
      { fault: { kind: "reset" }, when: { orderCode: "?X" } },
    ],
  ],
];

/** Each bad spec, the part named, and what the message says. */
const INVALID: readonly (readonly [string, string, RegExp])[] = [
  ["", "", /empty/],
  ["read-timeout", "read-timeout", /expected FAULT@WHEN/],
  [
    "timeout@every=2",
    "timeout@every=2",
    /unknown fault "timeout": expected one of read-timeout, connection-timeout, refuse, closed, 502, reset or delay=MS/,
  ],
  ["refuse@every=0", "refuse@every=0", /every must be a whole number from 1/],
  ["refuse@every=x", "refuse@every=x", /every must be/],
  ["refuse@orderCode=", "refuse@orderCode=", /expected orderCode=GLOB or every=N/],
  ["refuse@order=SO-1", "refuse@order=SO-1", /expected orderCode=GLOB or every=N/],
  [
    "refuse@every=2;delay=0@every=3",
    "delay=0@every=3",
    /delay must be a whole number of milliseconds from 1 to 120000/,
  ],
  ["delay=fast@every=3", "delay=fast@every=3", /delay must be/],
  ["refuse@every=2;", "", /an empty rule: remove the stray ";"/],
];

describe("--faults SPEC: the grammar", () => {
  for (const [spec, rules] of VALID) {
    it(`parses ${JSON.stringify(spec)}`, () => expect(parseFaultSpec(spec)).to.deep.equal(rules));
  }
  for (const [spec, part, says] of INVALID) {
    it(`refuses ${JSON.stringify(spec)}, naming ${JSON.stringify(part)}`, () => {
      const error = catching(() => parseFaultSpec(spec));
      expect(error).to.be.instanceOf(FaultSpecError);
      expect((error as FaultSpecError).part.trim()).to.equal(part);
      expect((error as FaultSpecError).message).to.match(says);
    });
  }
});

describe("--faults SPEC: which calls are hit", () => {
  const decide = (spec: string, calls: readonly (string | undefined)[]) => {
    const plan = faultPlan(parseFaultSpec(spec));
    return calls.map((orderCode, index) => plan(index + 1, orderCode)?.kind ?? "-");
  };

  it("every=N hits the N-th, 2N-th, … call whatever its order", () => {
    expect(decide("refuse@every=3", ["a", "b", "c", "d", "e", "f", "g"])).to.deep.equal([
      "-",
      "-",
      "refuse",
      "-",
      "-",
      "refuse",
      "-",
    ]);
  });

  it("orderCode=GLOB hits the first call of each matching order only, so its retry goes through", () => {
    expect(decide("closed@orderCode=SO-9*", ["SO-9", "SO-9", "SO-1", "SO-91", "SO-91", undefined])).to.deep.equal([
      "closed",
      "-",
      "-",
      "closed",
      "-",
      "-",
    ]);
  });

  it("the first rule that matches decides; ? is one character, other characters are literal", () => {
    expect(decide("reset@orderCode=S.?;502@every=1", ["S.1", "SX1", "S.12", "S.1"])).to.deep.equal([
      "reset",
      "502",
      "502",
      "502",
    ]);
  });
});

function catching(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
