import { expect } from "chai";
import type { ContractInteraction } from "../../provider-verify/contracts.js";
import type { PactOutcome, PactProblem } from "../../provider-verify/pact-results.js";
import type { InteractionResult } from "../../provider-verify/results.js";
import { judgeInteraction, redactor } from "../../provider-verify/verdict.js";
import type { DeliveryRecord, RunRecord } from "../../provider-verify/worker-protocol.js";

const INTERACTION: ContractInteraction = {
  contract: "c.json",
  consumer: "erp",
  provider: "wms",
  description: "a cancel",
  states: [{ name: "an order exists", params: { orderCode: "A1" } }],
  badSignature: false,
  expectedFlag: "success",
  source: {},
};

const PACT_PASSED: PactOutcome = { passed: true, problems: [] };
const pactFailed = (...problems: PactProblem[]): PactOutcome => ({ passed: false, problems });
const FLAG_MISMATCH: PactProblem = { where: "body response/flag (text)", message: 'expected "success", got "failure"' };

function answered(xml: string, bomRemoved = false): DeliveryRecord {
  return {
    delivered: true,
    status: 200,
    headers: [["content-type", "text/xml;charset=utf-8"]],
    body: Buffer.from(xml).toString("base64"),
    bomRemoved,
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
    name: "passes an answer with a byte-order mark Pact matched without it, and says so",
    record: record({ delivery: answered("\uFEFF<response><flag>success</flag></response>", true) }),
    judged: {
      verdict: "passed",
      reasons: [],
      notes: [
        "the answer starts with a UTF-8 byte-order mark (XML allows it, the ERP client accepts it): Pact matched the document after it",
      ],
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
      const { verdict, reasons, notes } = judgeInteraction({ ...INTERACTION, ...interaction }, run);
      expect({ verdict, reasons, notes }).to.deep.equal(judged);
    });
  }

  it("keeps what was answered and what the ERP client read", () => {
    const { response, client, durationMs } = judgeInteraction(
      INTERACTION,
      record({ delivery: answered("<response><flag>success</flag><code>0</code></response>") }),
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

  it("redacts secrets, signs sent and any sign= query value in every string, however deep", () => {
    const redact = redactor(["s3cret", "ABCDEF0123456789ABCDEF0123456789"]);
    expect(
      redact({
        message: "got sign=ABCDEF0123456789ABCDEF0123456789 for s3cret",
        list: ["?a=1&sign=FFFF0000&b=2", 7, { deep: "s3cret!" }],
      }),
    ).to.deep.equal({
      message: "got sign=<redacted> for <redacted>",
      list: ["?a=1&sign=<redacted>&b=2", 7, { deep: "<redacted>!" }],
    });
  });
});
