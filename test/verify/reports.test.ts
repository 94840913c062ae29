import { expect } from "chai";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import {
  consoleReport,
  consoleResult,
  consoleSummary,
  jsonReport,
  junitReport,
} from "../../provider-verify/reports.js";
import type { InteractionResult, VerificationReport } from "../../provider-verify/results.js";

const PASSED: InteractionResult = {
  contract: "contracts/a.json",
  consumer: "qimen-erp",
  provider: "qimen-wms",
  description: "a cancel of a NEW order",
  states: [],
  badSignature: false,
  verdict: "passed",
  durationMs: 42,
  reasons: [],
  notes: [],
};

const FAILED: InteractionResult = {
  ...PASSED,
  description: 'a cancel "signed" with the wrong secret',
  states: [{ name: "an order exists", params: { orderCode: "SO-1", status: "NEW" } }],
  badSignature: true,
  verdict: "failed",
  durationMs: 1234,
  reasons: [
    { kind: "contract-mismatch", where: "body response/flag (text)", message: 'expected "failure", got "success"' },
    { kind: "client-rejects", where: "ERP client", message: "would reject this answer: <flag> & more \u0001 😀" },
  ],
  notes: ['teardown of state "an order exists" failed: answered HTTP 404'],
  response: { status: 200, contentType: "text/xml", bodyExcerpt: "<response>\n  <flag>success</flag>\n</response>" },
};

const REPORT: VerificationReport = {
  providerUrl: "http://127.0.0.1:8080/qimen",
  stateChangeUrl: "http://127.0.0.1:8080/pact/provider-states",
  methodName: "short",
  startedAt: "2025-01-15T02:30:00.000Z",
  durationMs: 1500,
  contracts: ["contracts/a.json", "contracts/b.json"],
  contractDigests: ["a".repeat(64), "b".repeat(64)],
  interactions: [PASSED, FAILED, { ...PASSED, contract: "contracts/b.json", description: "another cancel" }],
  summary: { total: 3, passed: 2, failed: 1 },
};

describe("verify: reports", () => {
  it("prints a passed interaction on one line: verdict, description, duration", () => {
    expect(consoleResult(PASSED)).to.equal("PASS  a cancel of a NEW order  42 ms\n");
  });

  it("prints a failed interaction with its state, each reason in words, the state's params, the answer and notes", () => {
    expect(consoleResult(FAILED)).to.equal(
      [
        'FAIL  a cancel "signed" with the wrong secret  [given an order exists; sent with a wrong sign]  1234 ms',
        '      body response/flag (text): expected "failure", got "success"',
        "      ERP client: would reject this answer: <flag> & more \\u0001 😀",
        "      state: an order exists (orderCode=SO-1, status=NEW)",
        "      answer: HTTP 200 text/xml <response> <flag>success</flag> </response>",
        '      note: teardown of state "an order exists" failed: answered HTTP 404',
        "",
      ].join("\n"),
    );
  });

  it("shows control characters from the WMS escaped, so they can neither drive the terminal nor fake a line", () => {
    const hostile: InteractionResult = {
      ...FAILED,
      states: [],
      badSignature: false,
      reasons: [{ kind: "not-delivered", where: "provider", message: "\u001b[2J\u001b]0;pwned\u0007\nPASS  all good" }],
      notes: [],
      response: { status: 200, contentType: "text/xml\u001b[31m", bodyExcerpt: "<m>\u009b2J</m>" },
    };
    expect(consoleResult(hostile)).to.equal(
      [
        'FAIL  a cancel "signed" with the wrong secret  1234 ms',
        "      provider: \\u001b[2J\\u001b]0;pwned\\u0007\\u000aPASS  all good",
        "      answer: HTTP 200 text/xml\\u001b[31m <m>\\u009b2J</m>",
        "",
      ].join("\n"),
    );
  });

  describe("shows invisible and confusable characters escaped, so expected and actual never look alike", () => {
    const CONFUSABLE: InteractionResult = {
      ...FAILED,
      states: [],
      badSignature: false,
      reasons: [
        {
          kind: "contract-mismatch",
          where: "body response/flag (text)",
          message: 'expected "success", got "success\u00A0"',
        },
        {
          kind: "contract-mismatch",
          where: "body response/code (text)",
          message: 'got "0\u3000", "\u200B0", "0\u000B"',
        },
      ],
      notes: ["a note with \uFEFF and \u202E"],
      response: { status: 200, contentType: "text/xml", bodyExcerpt: '\uFEFF\r\n<?xml version="1.0"?>\n<response/>' },
    };
    const REPORT_OF_ONE: VerificationReport = {
      ...REPORT,
      interactions: [CONFUSABLE],
      contracts: ["contracts/a.json"],
    };

    it("in the console", () => {
      expect(consoleResult(CONFUSABLE)).to.equal(
        [
          'FAIL  a cancel "signed" with the wrong secret  1234 ms',
          '      body response/flag (text): expected "success", got "success\\u00a0"',
          '      body response/code (text): got "0\\u3000", "\\u200b0", "0\\u000b"',
          '      answer: HTTP 200 text/xml \\ufeff\\u000d\\u000a<?xml version="1.0"?> <response/>',
          "      note: a note with \\ufeff and \\u202e",
          "",
        ].join("\n"),
      );
    });

    it("in the JSON report, as JSON escapes of the same characters", () => {
      const json = jsonReport(REPORT_OF_ONE);
      expect({
        raw: [...json].filter((char) => /[\u00a0\u3000\u200b\ufeff\u202e\u000b]/.test(char)),
        escaped: ["\\u00a0", "\\u3000", "\\u200b", "\\ufeff", "\\u202e", "\\u000b"].filter((escape) =>
          json.includes(escape),
        ),
        same:
          (JSON.parse(json) as VerificationReport).interactions[0]?.reasons[0]?.message ===
          CONFUSABLE.reasons[0]?.message,
      }).to.deep.equal({
        raw: [],
        escaped: ["\\u00a0", "\\u3000", "\\u200b", "\\ufeff", "\\u202e", "\\u000b"],
        same: true,
      });
    });

    it("in the JUnit report's failure message and notes", () => {
      const xml = junitReport(REPORT_OF_ONE);
      expect({
        message: /<failure message="([^"]*)"/.exec(xml)?.[1],
        notes: /<system-out>([^<]*)</.exec(xml)?.[1],
      }).to.deep.equal({
        message: "body response/flag (text): expected &quot;success&quot;, got &quot;success\\u00a0&quot;",
        notes: "a note with \\ufeff and \\u202e",
      });
    });
  });

  it("says (empty body) for an answer without a body", () => {
    const empty: InteractionResult = {
      ...FAILED,
      states: [],
      notes: [],
      reasons: [],
      response: { status: 200, contentType: "text/xml", bodyExcerpt: "" },
    };
    expect(consoleResult(empty).split("\n")[1]).to.equal("      answer: HTTP 200 text/xml (empty body)");
  });

  it("prints the whole console report: header, a line per interaction, summary", () => {
    const lines = consoleReport(REPORT).split("\n");
    expect([lines[0], lines.at(-2)]).to.deep.equal([
      "Verifying http://127.0.0.1:8080/qimen (method order.cancel) against contracts/a.json, contracts/b.json",
      "3 interactions: 2 passed, 1 failed (1.5 s). FAILED",
    ]);
  });

  it("puts an unreachable provider in the summary", () => {
    const report = consoleReport({ ...REPORT, unreachable: "127.0.0.1:8080: connection refused (ECONNREFUSED)" });
    expect(report).to.include(
      "\nProvider unreachable: 127.0.0.1:8080: connection refused (ECONNREFUSED)\n3 interactions:",
    );
  });

  describe("a hint in the summary when the WMS refused every correct signature", () => {
    const refused: InteractionResult = {
      ...PASSED,
      verdict: "failed",
      reasons: [{ kind: "signature-refused", where: "provider", message: "the WMS refused the signature" }],
    };
    const other: InteractionResult = {
      ...refused,
      reasons: [{ kind: "flag-differs", where: "ERP client", message: 'would read flag "failure"' }],
    };
    const HINT =
      "The WMS refused the signature of every call: --secret (or QIMEN_SECRET) and --app-key (or QIMEN_APP_KEY) must be the ones it checks signs with.\n";
    const cases = [
      {
        name: "every correctly signed call refused, the bad-signature one passed",
        interactions: [refused, { ...PASSED, badSignature: true }, refused],
        hint: true,
      },
      { name: "one correctly signed call passed", interactions: [refused, PASSED], hint: false },
      { name: "one correctly signed call failed for another reason", interactions: [refused, other], hint: false },
      { name: "no correctly signed call", interactions: [{ ...PASSED, badSignature: true }], hint: false },
    ];
    for (const { name, interactions, hint } of cases) {
      it(`${hint ? "gives a" : "gives no"} hint with ${name}`, () => {
        const summary = consoleSummary({ ...REPORT, interactions });
        expect(summary).to.equal(`${hint ? HINT : ""}3 interactions: 2 passed, 1 failed (1.5 s). FAILED\n`);
      });
    }
  });

  it("writes the JSON report as the versioned report itself", () => {
    expect(JSON.parse(jsonReport(REPORT))).to.deep.equal(
      JSON.parse(JSON.stringify({ format: "qimen-pact-verify/1", ...REPORT })),
    );
  });

  describe("JUnit XML", () => {
    const xml = junitReport(REPORT);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      isArray: (name) => ["testsuite", "testcase"].includes(name),
    }).parse(xml) as { testsuites: Record<string, unknown> & { testsuite: Record<string, unknown>[] } };

    it("is well-formed XML", () => {
      expect(XMLValidator.validate(xml)).to.equal(true);
    });

    it("has a testsuite per contract (timestamp without zone or fractions, hostname) and a testcase per interaction, failures with their reasons", () => {
      const { testsuite, ...totals } = parsed.testsuites;
      expect({ totals, suites: testsuite }).to.deep.equal({
        totals: {
          name: "qimen-pact verify http://127.0.0.1:8080/qimen",
          tests: "3",
          failures: "1",
          errors: "0",
          time: "1.500",
        },
        suites: [
          {
            name: "qimen-erp → qimen-wms (contracts/a.json)",
            tests: "2",
            failures: "1",
            errors: "0",
            skipped: "0",
            time: "1.276",
            timestamp: "2025-01-15T02:30:00",
            hostname: "localhost",
            testcase: [
              { name: "a cancel of a NEW order", classname: "qimen-erp.qimen-wms", time: "0.042" },
              {
                name: 'a cancel "signed" with the wrong secret [given an order exists; sent with a wrong sign]',
                classname: "qimen-erp.qimen-wms",
                time: "1.234",
                failure: {
                  message: 'body response/flag (text): expected "failure", got "success"',
                  type: "contract-mismatch",
                  "#text": consoleResult(FAILED).replace("\u0001", "\uFFFD").trim(),
                },
                "system-out": 'teardown of state "an order exists" failed: answered HTTP 404',
              },
            ],
          },
          {
            name: "qimen-erp → qimen-wms (contracts/b.json)",
            tests: "1",
            failures: "0",
            errors: "0",
            skipped: "0",
            time: "0.042",
            timestamp: "2025-01-15T02:30:00",
            hostname: "localhost",
            testcase: [{ name: "another cancel", classname: "qimen-erp.qimen-wms", time: "0.042" }],
          },
        ],
      });
    });
  });
  describe("a failure of a pending pact: reported, marked, never failing the build", () => {
    const PENDING_REPORT: VerificationReport = {
      ...REPORT,
      interactions: REPORT.interactions.map((result) =>
        result.verdict === "failed" ? { ...result, pending: true as const } : result,
      ),
    };

    it("prints FAIL (pending) and a PASSED summary that counts it", () => {
      expect(consoleResult({ ...FAILED, pending: true }).split("\n")[0]).to.equal(
        'FAIL (pending)  a cancel "signed" with the wrong secret  [given an order exists; sent with a wrong sign]  1234 ms',
      );
      expect(consoleSummary(PENDING_REPORT)).to.equal(
        "3 interactions: 2 passed, 1 failed (1 in pending pacts, which do not fail the build) (1.5 s). PASSED\n",
      );
      expect(consoleSummary(REPORT)).to.equal("3 interactions: 2 passed, 1 failed (1.5 s). FAILED\n");
    });

    it("writes it to JUnit as skipped with its reasons, not as a failure a CI server would fail the build on", () => {
      const suites = (
        new XMLParser({
          ignoreAttributes: false,
          attributeNamePrefix: "",
          isArray: (name) => name === "testsuite",
        }).parse(junitReport(PENDING_REPORT)) as {
          testsuites: {
            failures: string;
            testsuite: { failures: string; skipped: string; testcase: Record<string, unknown>[] }[];
          };
        }
      ).testsuites;
      const [first] = suites.testsuite;
      expect([suites.failures, first?.failures, first?.skipped]).to.deep.equal(["0", "0", "1"]);
      expect(first?.testcase[1]?.["failure"]).to.equal(undefined);
      expect(first?.testcase[1]?.["skipped"]).to.deep.equal({
        message: 'pending pact, not failing the build: body response/flag (text): expected "failure", got "success"',
        "#text": consoleResult({ ...FAILED, pending: true })
          .replace("\u0001", "\uFFFD")
          .trim(),
      });
    });
  });
});
