import { expect } from "chai";
import { elementPath, parsePactOutcomes, type PactOutcome } from "../../provider-verify/pact-results.js";

/** An interaction's verdict and, when it failed, Pact's finding (`mismatch`) about it. */
interface CoreVerdict {
  readonly id: string;
  readonly ok: boolean;
  readonly mismatch?: Record<string, unknown>;
}

/** The verifier core's JSON for a run, as pact-core 19 returns it; `result` false when any failed. */
function runJson(verdicts: readonly CoreVerdict[], extraErrors: readonly Record<string, unknown>[] = []): string {
  return JSON.stringify({
    errors: [
      ...verdicts.flatMap(({ id, mismatch }) =>
        mismatch === undefined
          ? []
          : [
              {
                interaction: `Verifying a pact between erp and wms - ${id}`,
                mismatch: { ...mismatch, interactionId: id },
              },
            ],
      ),
      ...extraErrors,
    ],
    interactionResults: verdicts.map(({ id, ok }) => ({
      description: id,
      duration: "5ms",
      interactionId: id,
      result: ok ? "OK" : "Error",
    })),
    notices: [],
    output: ["(Pact's text report)"],
    pendingErrors: [],
    result: verdicts.every(({ ok }) => ok) && extraErrors.length === 0,
  });
}

const ONLY = "qimen-pact-0";

/** The JSON of a run of one interaction. */
function coreJson(ok: boolean, mismatch?: Record<string, unknown>): string {
  return runJson([{ id: ONLY, ok, ...(mismatch === undefined ? {} : { mismatch }) }]);
}

const mismatches = (...list: Record<string, unknown>[]) => ({ mismatches: list, type: "mismatches" });

const BACKTRACE =
  "\n\nStack backtrace:\n   0: <unknown>\n  22: pactffi_verifier_execute\n  27: clone3\n             at ./misc/clone3.S:81:0";

const CASES: readonly { readonly name: string; readonly json: string; readonly outcome: PactOutcome }[] = [
  { name: "a pass", json: coreJson(true), outcome: { passed: true, problems: [] } },
  {
    name: "a status mismatch",
    json: coreJson(
      false,
      mismatches({ type: "StatusMismatch", expected: 200, actual: 500, mismatch: "expected 200 but was 500" }),
    ),
    outcome: { passed: false, problems: [{ where: "HTTP status", message: "expected 200, got 500" }] },
  },
  {
    name: "a header mismatch",
    json: coreJson(
      false,
      mismatches({
        type: "HeaderMismatch",
        key: "Content-Type",
        expected: "text/xml",
        actual: 'text/xml; charset="utf-8"',
        mismatch: "Mismatch with header 'Content-Type': Expected 'text/xml; charset=\"utf-8\"' to match '^text/xml$'",
      }),
    ),
    outcome: {
      passed: false,
      problems: [
        {
          where: "header Content-Type",
          message:
            'the charset is quoted (charset="utf-8"), which the official Qimen Java SDK passes as written to Java and fails with UnsupportedEncodingException: send text/xml, application/xml, text/plain or plain/text in any case, with an unquoted UTF-8 charset or none (text/xml;charset=utf-8, TEXT/XML; charset=UTF-8;, text/plain); never a quoted charset="utf-8", never another charset',
        },
      ],
    },
  },
  {
    name: "a body type mismatch",
    json: coreJson(
      false,
      mismatches({ type: "BodyTypeMismatch", expected: "application/xml", actual: "application/json", mismatch: "x" }),
    ),
    outcome: {
      passed: false,
      problems: [{ where: "body", message: "expected a body of type application/xml, got application/json" }],
    },
  },
  {
    name: "a differing element text",
    json: coreJson(
      false,
      mismatches({
        type: "BodyMismatch",
        path: "$.response.flag['#text']",
        expected: "success",
        actual: "failure",
        mismatch: "Expected 'failure' to be equal to 'success'",
      }),
    ),
    outcome: {
      passed: false,
      problems: [{ where: "body response/flag (text)", message: 'expected "success", got "failure"' }],
    },
  },
  {
    // Only XML white space is folded: a no-break space or U+3000 stays, for the report to show escaped.
    name: "a value ending in a no-break space, and one of U+3000 alone",
    json: coreJson(
      false,
      mismatches(
        {
          type: "BodyMismatch",
          path: "$.response.flag['#text']",
          expected: "success",
          actual: "success\u00a0",
          mismatch: "Expected 'success\u00a0' to be equal to 'success'",
        },
        {
          type: "BodyMismatch",
          path: "$.response.code['#text']",
          expected: "0",
          actual: "\u3000",
          mismatch: "Expected '\u3000' to be equal to '0'",
        },
      ),
    ),
    outcome: {
      passed: false,
      problems: [
        { where: "body response/flag (text)", message: 'expected "success", got "success\u00a0"' },
        { where: "body response/code (text)", message: 'expected "0", got "\u3000"' },
      ],
    },
  },
  {
    name: "a missing element",
    json: coreJson(
      false,
      mismatches({
        type: "BodyMismatch",
        path: "$.response",
        expected: "<flag/>",
        actual: "",
        mismatch: "Expected child <flag/> but was missing",
      }),
    ),
    outcome: {
      passed: false,
      problems: [{ where: "body response", message: "Expected child <flag/> but was missing" }],
    },
  },
  {
    name: "an unparsable body, without Pact's native backtrace",
    json: coreJson(
      false,
      mismatches({
        type: "BodyMismatch",
        path: "$",
        expected: "<response/>",
        actual: "\uFEFF<response/>",
        mismatch: `Failed to parse the actual body: 'Failed to parse bytes as XML - XML parsing error at 0${BACKTRACE}'`,
      }),
    ),
    outcome: {
      passed: false,
      problems: [
        {
          where: "body (document)",
          message: "Failed to parse the actual body: 'Failed to parse bytes as XML - XML parsing error at 0'",
        },
      ],
    },
  },
  {
    name: "a verifier error",
    json: coreJson(false, {
      message: "One or more of the setup state change handlers has failed",
      type: "error",
    }),
    outcome: {
      passed: false,
      problems: [{ where: "verifier", message: "One or more of the setup state change handlers has failed" }],
    },
  },
  { name: "a failure without any finding", json: coreJson(false), outcome: { passed: false, problems: [] } },
  {
    name: "an error text that is no JSON",
    json: "Verification was unable to run",
    outcome: { passed: false, problems: [{ where: "verifier", message: "Verification was unable to run" }] },
  },
  {
    name: "JSON without a result",
    json: "{}",
    outcome: { passed: false, problems: [{ where: "verifier", message: "the verifier returned no result" }] },
  },
];

const STATUS_500 = mismatches({ type: "StatusMismatch", expected: 200, actual: 500, mismatch: "x" });
const PASSED: PactOutcome = { passed: true, problems: [] };
const STATUS_FAILED: PactOutcome = {
  passed: false,
  problems: [{ where: "HTTP status", message: "expected 200, got 500" }],
};
const [A, B, C] = ["qimen-pact-7", "qimen-pact-8", "qimen-pact-9"] as const;

/** Runs of three interactions (A, B, C): each verdict must land on its own interaction. */
const RUNS: readonly { readonly name: string; readonly json: string; readonly outcomes: readonly PactOutcome[] }[] = [
  {
    name: "a failure of the middle one on it alone",
    json: runJson([
      { id: A, ok: true },
      { id: B, ok: false, mismatch: STATUS_500 },
      { id: C, ok: true },
    ]),
    outcomes: [PASSED, STATUS_FAILED, PASSED],
  },
  {
    name: "a failure of the last one on it alone",
    json: runJson([
      { id: A, ok: true },
      { id: B, ok: true },
      { id: C, ok: false, mismatch: STATUS_500 },
    ]),
    outcomes: [PASSED, PASSED, STATUS_FAILED],
  },
  {
    name: "a finding that names no interaction of the run on each of them",
    json: runJson(
      [
        { id: A, ok: true },
        { id: B, ok: true },
        { id: C, ok: true },
      ],
      [{ interaction: "?", mismatch: { interactionId: "", type: "error", message: "core trouble" } }],
    ),
    outcomes: [A, B, C].map(() => ({ passed: false, problems: [{ where: "verifier", message: "core trouble" }] })),
  },
  {
    name: "an interaction Pact did not report on as failed",
    json: runJson([
      { id: A, ok: true },
      { id: C, ok: true },
    ]),
    outcomes: [
      PASSED,
      { passed: false, problems: [{ where: "verifier", message: "Pact did not report on this interaction" }] },
      PASSED,
    ],
  },
  {
    name: "an error text that is no JSON as a failure of each",
    json: "Pact core crashed",
    outcomes: [A, B, C].map(() => ({ passed: false, problems: [{ where: "verifier", message: "Pact core crashed" }] })),
  },
];

describe("verify: reading Pact's verdict", () => {
  for (const { name, json, outcome } of CASES) {
    it(`reads ${name}`, () => {
      expect(parsePactOutcomes(json, [ONLY])).to.deep.equal([outcome]);
    });
  }

  for (const { name, json, outcomes } of RUNS) {
    it(`in a run of many, puts ${name}`, () => {
      expect(parsePactOutcomes(json, [A, B, C])).to.deep.equal(outcomes);
    });
  }

  const PATHS: readonly (readonly [string, string])[] = [
    ["$", "(document)"],
    ["$.response", "response"],
    ["$.response.flag['#text']", "response/flag (text)"],
    ["$.response.items.item[1]['#text']", "response/items/item[1] (text)"],
    ["$.response['@version']", "response/@version"],
  ];
  for (const [jsonPath, words] of PATHS) {
    it(`names the element of ${jsonPath} as ${words}`, () => {
      expect(elementPath(jsonPath)).to.equal(words);
    });
  }
});
