import { expect } from "chai";
import { elementPath, parsePactOutcome, type PactOutcome } from "../../provider-verify/pact-results.js";

/** The verifier core's JSON for one interaction, as pact-core 19 returns it. */
function coreJson(result: boolean, mismatch?: Record<string, unknown>): string {
  return JSON.stringify({
    errors: mismatch === undefined ? [] : [{ interaction: "Verifying a pact between erp and wms - x", mismatch }],
    interactionResults: [{ description: "x", duration: "5ms", result: result ? "OK" : "Error" }],
    notices: [],
    output: ["(Pact's text report)"],
    pendingErrors: [],
    result,
  });
}

const mismatches = (...list: Record<string, unknown>[]) => ({
  interactionId: "",
  mismatches: list,
  type: "mismatches",
});

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
        actual: "text/plain",
        mismatch: "Mismatch with header 'Content-Type': Expected 'text/plain' to match '^text/xml$'",
      }),
    ),
    outcome: {
      passed: false,
      problems: [{ where: "header Content-Type", message: "Expected 'text/plain' to match '^text/xml$'" }],
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
      interactionId: "",
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

describe("verify: reading Pact's verdict", () => {
  for (const { name, json, outcome } of CASES) {
    it(`reads ${name}`, () => {
      expect(parsePactOutcome(json)).to.deep.equal(outcome);
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
