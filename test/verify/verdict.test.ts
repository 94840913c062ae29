import { expect } from "chai";
import type { ContractInteraction } from "../../provider-verify/contracts.js";
import type { PactOutcome, PactProblem } from "../../provider-verify/pact-results.js";
import { consoleResult } from "../../provider-verify/reports.js";
import type { InteractionResult } from "../../provider-verify/results.js";
import { judgeInteraction, redactor } from "../../provider-verify/verdict.js";
import type { DeliveryRecord, RemovedForPact, RunRecord } from "../../provider-verify/worker-protocol.js";
import { CANCEL_IN_STATE } from "./fixtures.js";

const INTERACTION: ContractInteraction = { ...CANCEL_IN_STATE, expectedFlag: "success", source: {} };

const PACT_PASSED: PactOutcome = { passed: true, problems: [] };
const pactFailed = (...problems: PactProblem[]): PactOutcome => ({ passed: false, problems });
const FLAG_MISMATCH: PactProblem = { where: "body response/flag (text)", message: 'expected "success", got "failure"' };

const NO_SECRETS = redactor([]);
const SIGN_CHECK_FAILURE =
  "<response><flag>failure</flag><code>sign-check-failure</code><message>Illegal request</message></response>";
const SIGNATURE_REFUSED = {
  kind: "signature-refused",
  where: "provider",
  message:
    "the WMS refused the signature (sign-check-failure) and never judged this call: check that --secret and --app-key are the ones it checks signs with, and that it signs the exact bytes received",
} as const;
const FAILURE_EXPECTED: Partial<ContractInteraction> = {
  expectedFlag: "failure",
  expectedDetails: ["code", "message"],
};

function answered(
  xml: string,
  removedForPact: readonly RemovedForPact[] = [],
): Extract<DeliveryRecord, { delivered: true }> {
  return {
    delivered: true,
    status: 200,
    headers: [["content-type", "text/xml;charset=utf-8"]],
    body: Buffer.from(xml).toString("base64"),
    removedForPact,
  };
}

/** A run record: setup and teardown succeeded and Pact passed a success answer, unless overridden. */
function record({
  delivery,
  ...overrides
}: Partial<Omit<RunRecord, "delivery">> & { delivery?: DeliveryRecord | null }): RunRecord {
  const answer = delivery === undefined ? answered("<response><flag>success</flag></response>") : delivery;
  return {
    index: 0,
    durationMs: 12,
    stateChanges: [
      { state: "an order exists", action: "setup" },
      { state: "an order exists", action: "teardown" },
    ],
    pact: PACT_PASSED,
    sensitive: [],
    relayProblems: [],
    ...overrides,
    ...(answer === null ? {} : { delivery: answer }),
  };
}

type Judged = Pick<InteractionResult, "verdict" | "reasons" | "notes">;

const CASES: readonly {
  readonly name: string;
  readonly record: RunRecord;
  readonly interaction?: Partial<ContractInteraction>;
  readonly judged: Judged;
}[] = [
  {
    name: "passes when Pact passes and the ERP client reads the contract's flag",
    record: record({}),
    judged: { verdict: "passed", reasons: [], notes: [] },
  },
  {
    name: "fails what Pact accepts but the ERP client rejects (a duplicated flag)",
    record: record({ delivery: answered("<response><flag>success</flag><flag>success</flag></response>") }),
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "client-rejects",
          where: "ERP client",
          message:
            "would reject this answer: Not a Qimen order.cancel response: <response> contains <flag> more than once",
        },
      ],
      notes: [],
    },
  },
  {
    name: "fails a flag the ERP client reads differently from the contract, though Pact passed",
    record: record({ delivery: answered("<response><flag>success</flag></response>") }),
    interaction: { expectedFlag: "failure" },
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "flag-differs",
          where: "ERP client",
          message: 'would read flag "success" where the contract says "failure"',
        },
      ],
      notes: [],
    },
  },
  {
    name: "reports a flag Pact already found wrong once",
    record: record({
      delivery: answered("<response><flag>failure</flag></response>"),
      pact: pactFailed(FLAG_MISMATCH),
    }),
    judged: {
      verdict: "failed",
      reasons: [
        { kind: "contract-mismatch", where: "body response/flag (text)", message: 'expected "success", got "failure"' },
      ],
      notes: [],
    },
  },
  {
    name: "fails an answer with a byte-order mark, which the official SDK cannot read, though Pact matched it without",
    record: record({ delivery: answered("\uFEFF<response><flag>success</flag></response>", ["byte-order-mark"]) }),
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "sdk-unreadable",
          where: "Qimen Java SDK",
          message:
            "the official Qimen Java SDK (DefaultQimenClient) cannot read this answer: it starts with a UTF-8 byte-order mark; write the XML without a BOM",
        },
      ],
      notes: ["the answer starts with a UTF-8 byte-order mark: Pact matched the document after it"],
    },
  },
  {
    name: "fails two byte-order marks for the SDK's reason alone, leaving out Pact's unparsable document and the client's rejection",
    record: record({
      delivery: answered("\uFEFF\uFEFF<response><flag>success</flag></response>", ["byte-order-mark"]),
      pact: pactFailed({ where: "body (document)", message: "Failed to parse the actual body" }),
    }),
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "sdk-unreadable",
          where: "Qimen Java SDK",
          message:
            "the official Qimen Java SDK (DefaultQimenClient) cannot read this answer: it starts with 2 UTF-8 byte-order marks; write the XML without a BOM",
        },
      ],
      notes: ["the answer starts with a UTF-8 byte-order mark: Pact matched the document after it"],
    },
  },
  {
    name: "fails a success flag the SDK reads with spaces around it, though Pact and the ERP client trim them",
    record: record({ delivery: answered("<response><flag> success </flag></response>") }),
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "sdk-flag-differs",
          where: "Qimen Java SDK",
          message:
            'the official Qimen Java SDK (DefaultQimenClient) reads flag " success ", which is not success to it, where the contract says "success": it compares the exact text of <flag>, so write <flag>success</flag> with nothing around the word',
        },
      ],
      notes: [],
    },
  },
  {
    name: "passes a failure flag with spaces around it: the SDK reads anything but success as failure",
    interaction: FAILURE_EXPECTED,
    record: record({
      delivery: answered("<response><flag> failure </flag><code>-1</code><message>shipped</message></response>"),
    }),
    judged: { verdict: "passed", reasons: [], notes: [] },
  },
  {
    name: "fails a quoted charset for the SDK's reason alone, leaving out Pact's header finding",
    record: record({
      delivery: {
        ...answered("<response><flag>success</flag></response>"),
        headers: [["content-type", 'text/xml; charset="utf-8"']],
      },
      pact: pactFailed({ where: "header Content-Type", message: "the charset is quoted" }),
    }),
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "sdk-unreadable",
          where: "Qimen Java SDK",
          message:
            'the official Qimen Java SDK (DefaultQimenClient) cannot read this answer: its Content-Type has a quoted charset (charset="utf-8"), which the SDK passes as written to Java (UnsupportedEncodingException); write charset=utf-8 without quotes',
        },
      ],
      notes: [],
    },
  },
  {
    name: "fails a GBK charset as one Qimen does not allow",
    record: record({
      delivery: {
        ...answered("<response><flag>success</flag></response>"),
        headers: [["content-type", "text/xml;charset=GBK"]],
      },
      pact: pactFailed({ where: "header Content-Type", message: "charset=GBK is not UTF-8" }),
    }),
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "content-type",
          where: "header Content-Type",
          message:
            "Qimen does not allow this answer: its Content-Type says charset=GBK, and Qimen answers are UTF-8 only; send the UTF-8 bytes with charset=utf-8",
        },
      ],
      notes: [],
    },
  },
  {
    name: "passes a trailing ; after the charset",
    record: record({
      delivery: {
        ...answered("<response><flag>success</flag></response>"),
        headers: [["content-type", "text/xml; charset=utf-8;"]],
      },
    }),
    judged: { verdict: "passed", reasons: [], notes: [] },
  },
  {
    name: "passes an answer whose root's default namespace Pact matched without, and says so",
    record: record({
      delivery: answered('<response xmlns="http://qimen/"><flag>success</flag></response>', ["root-default-namespace"]),
    }),
    judged: {
      verdict: "passed",
      reasons: [],
      notes: [
        "the answer's root declares a default XML namespace (xmlns), which the ERP client ignores: Pact matched the document without it",
      ],
    },
  },
  {
    name: "fails a failure whose code and message the ERP client reads as absent (null), though Pact passed",
    record: record({
      delivery: answered("<response><flag>failure</flag><code>null</code><message>null</message></response>"),
    }),
    interaction: FAILURE_EXPECTED,
    judged: {
      verdict: "failed",
      reasons: (["code", "message"] as const).map((detail) => ({
        kind: "missing-detail",
        where: "ERP client",
        message: `would show no ${detail}: <${detail}> is missing, blank or the literal "null" (which the client reads as absent), where the contract has one`,
      })),
      notes: [],
    },
  },
  {
    name: "reports a blank message Pact already found wrong once",
    record: record({
      delivery: answered("<response><flag>failure</flag><code>x</code><message> </message></response>"),
      pact: pactFailed({ where: "body response/message (text)", message: "Expected '' to match '^\\s*\\S'" }),
    }),
    interaction: FAILURE_EXPECTED,
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "contract-mismatch",
          where: "body response/message (text)",
          message: "Expected '' to match '^\\s*\\S'",
        },
      ],
      notes: [],
    },
  },
  {
    name: "passes a failure with its code and message",
    record: record({
      delivery: answered(
        "<response><flag>failure</flag><code>order-shipped</code><message>too late</message></response>",
      ),
    }),
    interaction: FAILURE_EXPECTED,
    judged: { verdict: "passed", reasons: [], notes: [] },
  },
  {
    name: "fails a failure the contract expects when the WMS refused the signature, though Pact passed",
    record: record({ delivery: answered(SIGN_CHECK_FAILURE) }),
    interaction: FAILURE_EXPECTED,
    judged: { verdict: "failed", reasons: [SIGNATURE_REFUSED], notes: [] },
  },
  {
    name: "says first that the WMS refused the signature when a success was expected",
    record: record({ delivery: answered(SIGN_CHECK_FAILURE), pact: pactFailed(FLAG_MISMATCH) }),
    judged: {
      verdict: "failed",
      reasons: [SIGNATURE_REFUSED, { kind: "contract-mismatch", ...FLAG_MISMATCH }],
      notes: [],
    },
  },
  {
    name: "passes sign-check-failure on the interaction sent with a wrong sign",
    record: record({ delivery: answered(SIGN_CHECK_FAILURE) }),
    interaction: { ...FAILURE_EXPECTED, badSignature: true },
    judged: { verdict: "passed", reasons: [], notes: [] },
  },
  {
    name: "fails an interaction delivered twice, leaving out Pact's findings on the second answer",
    record: record({
      relayProblems: ["Pact's verifier asked to deliver this interaction twice"],
      pact: pactFailed({ where: "HTTP status", message: "expected 200, got 500" }),
    }),
    judged: {
      verdict: "failed",
      reasons: [
        { kind: "verifier", where: "verifier", message: "Pact's verifier asked to deliver this interaction twice" },
      ],
      notes: [],
    },
  },
  {
    name: "fails a failed state setup, leaving out Pact's consequential findings",
    record: record({
      stateChanges: [
        { state: "an order exists", action: "setup", failure: "http://wms/states answered HTTP 400: unknown state" },
      ],
      delivery: null,
      pact: pactFailed({ where: "verifier", message: "state change failed" }),
    }),
    judged: {
      verdict: "failed",
      reasons: [
        {
          kind: "state-setup",
          where: 'state "an order exists"',
          message: "http://wms/states answered HTTP 400: unknown state",
        },
      ],
      notes: [],
    },
  },
  {
    name: "notes a failed teardown without failing",
    record: record({
      stateChanges: [
        { state: "an order exists", action: "setup" },
        { state: "an order exists", action: "teardown", failure: "answered HTTP 404" },
      ],
    }),
    judged: {
      verdict: "passed",
      reasons: [],
      notes: ['teardown of state "an order exists" failed: answered HTTP 404'],
    },
  },
  {
    name: "fails an undelivered call with the transport's reason alone",
    record: record({
      delivery: { delivered: false, failure: "http://wms/qimen did not answer within 500 ms", unreachable: false },
      pact: pactFailed({ where: "HTTP status", message: "expected 200, got 502" }),
    }),
    judged: {
      verdict: "failed",
      reasons: [{ kind: "not-delivered", where: "provider", message: "http://wms/qimen did not answer within 500 ms" }],
      notes: [],
    },
  },
  {
    name: "fails when Pact fails without a finding it can name",
    record: record({ pact: pactFailed() }),
    judged: {
      verdict: "failed",
      reasons: [{ kind: "verifier", where: "verifier", message: "Pact reported a failure without details" }],
      notes: [],
    },
  },
];

describe("verify: the verdict on an interaction", () => {
  for (const { name, record: run, interaction, judged } of CASES) {
    it(name, () => {
      const { verdict, reasons, notes } = judgeInteraction({ ...INTERACTION, ...interaction }, run, NO_SECRETS);
      expect({ verdict, reasons, notes }).to.deep.equal(judged);
    });
  }

  it("keeps what was answered and what the ERP client read", () => {
    const { response, client, durationMs } = judgeInteraction(
      INTERACTION,
      record({ delivery: answered("<response><flag>success</flag><code>0</code></response>") }),
      NO_SECRETS,
    );
    expect({ response, client, durationMs }).to.deep.equal({
      response: {
        status: 200,
        contentType: "text/xml;charset=utf-8",
        bodyExcerpt: "<response><flag>success</flag><code>0</code></response>",
      },
      client: { accepts: true, flag: "success", code: "0" },
      durationMs: 12,
    });
  });

  it("recognises sign-check-failure before redaction, even when the secret masks part of it in the report", () => {
    const { reasons, client } = judgeInteraction(
      { ...INTERACTION, ...FAILURE_EXPECTED },
      record({ delivery: answered(SIGN_CHECK_FAILURE) }),
      redactor(["check"]),
    );
    expect({ reasons, client }).to.deep.equal({
      reasons: [SIGNATURE_REFUSED],
      client: {
        accepts: true,
        flag: "failure",
        code: "sign-<redacted>-failure",
        message: "Illegal request",
      },
    });
  });

  it("redacts secrets, signs sent and any sign= query value in a text, longest first", () => {
    const redact = redactor(["s3cret", "s3cret-and-more", "ABCDEF0123456789ABCDEF0123456789", ""]);
    expect(
      redact("got sign=ABCDEF0123456789ABCDEF0123456789 for s3cret-and-more and s3cret; ?a=1&sign=FFFF0000&b=2"),
    ).to.equal("got sign=<redacted> for <redacted> and <redacted>; ?a=1&sign=<redacted>&b=2");
  });

  it("redacts what came from the provider, never the contract's description, states or params, however short the secret", () => {
    const interaction: ContractInteraction = {
      ...INTERACTION,
      description: "a cancel of an order that exists",
      states: [{ name: "an order exists", params: { orderCode: "SO-s" } }],
    };
    const result = judgeInteraction(
      interaction,
      record({
        stateChanges: [
          { state: "an order exists", action: "setup" },
          { state: "an order exists", action: "teardown", failure: "echo: s" },
        ],
        delivery: answered("<response><flag>success</flag><code>s</code></response>"),
      }),
      redactor(["s"]),
    );
    expect({
      description: result.description,
      states: result.states,
      notes: result.notes,
      client: result.client,
      line: consoleResult(result).split("\n")[0],
    }).to.deep.equal({
      description: "a cancel of an order that exists",
      states: [{ name: "an order exists", params: { orderCode: "SO-s" } }],
      notes: ['teardown of state "an order exists" failed: echo: <redacted>'],
      client: { accepts: true, flag: "success", code: "<redacted>" },
      line: "PASS  a cancel of an order that exists  [given an order exists]  12 ms",
    });
  });
});
