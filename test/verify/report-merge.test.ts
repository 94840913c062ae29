import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { mergeReports, parseJsonReport, type ReportPart } from "../../provider-verify/report-merge.js";
import { jsonReport } from "../../provider-verify/reports.js";
import type { InteractionResult, VerificationReport } from "../../provider-verify/results.js";
import { isQimenError } from "../../src/protocol/errors.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { runCli } from "../support/fake-io.js";
import { startVariant, type RunningVariant } from "./wms-variants.js";

/** A result named by its position, passed unless said otherwise. */
function result(position: number, verdict: "passed" | "failed" = "passed"): InteractionResult {
  return {
    contract: "contracts/a.json",
    consumer: "erp",
    provider: "wms",
    description: `interaction ${position}`,
    states: [],
    badSignature: false,
    verdict,
    durationMs: 10,
    reasons: verdict === "passed" ? [] : [{ kind: "flag-differs", where: "ERP client", message: "expected success" }],
    notes: [],
  };
}

/** Part `index` of `count` of a 5-interaction verification, holding the results its range holds. */
function part(index: number, count: number, edit: Partial<VerificationReport> = {}): ReportPart {
  const ranges: Record<string, readonly number[]> = { "1/2": [0, 1], "2/2": [2, 3, 4], "1/1": [0, 1, 2, 3, 4] };
  const positions = ranges[`${index}/${count}`] ?? [];
  const interactions = positions.map((position) => result(position, position === 3 ? "failed" : "passed"));
  const passed = interactions.filter((r) => r.verdict === "passed").length;
  return {
    file: `part-${index}.json`,
    report: {
      providerUrl: "http://127.0.0.1:8080/qimen",
      methodName: "short",
      startedAt: `2025-01-15T02:30:0${index}.000Z`,
      durationMs: 1000 * index,
      contracts: ["contracts/a.json"],
      contractDigests: ["a".repeat(64)],
      providerVersion: "1.2.3",
      part: { index, count, total: 5 },
      interactions,
      summary: { total: interactions.length, passed, failed: interactions.length - passed },
      ...edit,
    },
  };
}

/** A report of a whole verification: no part. */
function wholeReport(): VerificationReport {
  const { report } = part(1, 1);
  return Object.fromEntries(Object.entries(report).filter(([key]) => key !== "part")) as unknown as VerificationReport;
}

function refusal(parts: readonly ReportPart[]): string {
  try {
    mergeReports(parts);
  } catch (error) {
    if (isQimenError(error, "QIMEN_REPORT_INVALID")) return error.message;
    throw error;
  }
  throw new Error("the merge was not refused");
}

describe("report merge: the parts of verify --shard K/N joined into the whole verification", () => {
  it("joins the parts, in part order whatever the order given, into the report of all interactions", () => {
    const merged = mergeReports([part(2, 2), part(1, 2)]);
    expect(merged).to.deep.equal({
      providerUrl: "http://127.0.0.1:8080/qimen",
      methodName: "short",
      startedAt: "2025-01-15T02:30:01.000Z",
      durationMs: 2000,
      contracts: ["contracts/a.json"],
      contractDigests: ["a".repeat(64)],
      providerVersion: "1.2.3",
      interactions: [0, 1, 2, 3, 4].map((position) => result(position, position === 3 ? "failed" : "passed")),
      summary: { total: 5, passed: 4, failed: 1 },
    });
  });

  it("reads back what verify --json writes", () => {
    const { report } = part(1, 2);
    expect(parseJsonReport("part-1.json", jsonReport(report))).to.deep.equal(report);
  });

  const REFUSED: readonly { readonly name: string; readonly parts: () => ReportPart[]; readonly says: string }[] = [
    {
      name: "a missing part",
      parts: () => [part(2, 2)],
      says: "part 1/2 missing: a partial verification is never reported as a whole one",
    },
    {
      name: "a part given twice",
      parts: () => [part(1, 2), { ...part(1, 2), file: "again.json" }, part(2, 2)],
      says: "part 1/2 is given twice: part-1.json and again.json",
    },
    {
      name: "parts of different contracts",
      parts: () => [part(1, 2), part(2, 2, { contractDigests: ["b".repeat(64)] })],
      says: `the parts disagree on the contracts verified: part-1.json has ${"a".repeat(64)}, part-2.json has ${"b".repeat(64)}; merge only the parts of one verify run`,
    },
    {
      name: "parts of different provider versions",
      parts: () => [part(1, 2), part(2, 2, { providerVersion: "1.2.4" })],
      says: "the parts disagree on the provider version: part-1.json has 1.2.3, part-2.json has 1.2.4; merge only the parts of one verify run",
    },
    {
      name: "parts of different providers",
      parts: () => [part(1, 2), part(2, 2, { providerUrl: "http://127.0.0.1:8081/qimen" })],
      says: "the parts disagree on the provider URL: part-1.json has http://127.0.0.1:8080/qimen, part-2.json has http://127.0.0.1:8081/qimen; merge only the parts of one verify run",
    },
    {
      name: "parts of splits into different numbers of parts",
      parts: () => [part(1, 2), { ...part(1, 1), file: "other.json" }],
      says: "the parts disagree on the number of parts: part-1.json has 2, other.json has 1; merge only the parts of one verify run",
    },
    {
      name: "a part cut short",
      parts: () => [part(1, 2), part(2, 2, { interactions: [result(2), result(3)] })],
      says: "part-2.json (part 2/2) holds 2 results where its part has 3 interactions: was it cut short?",
    },
    {
      name: "the report of a whole verification",
      parts: () => [part(1, 2), { file: "whole.json", report: wholeReport() }],
      says: "whole.json is the report of a whole verification, not of a part (verify --shard K/N)",
    },
  ];
  for (const { name, parts, says } of REFUSED) {
    it(`refuses ${name}`, () => {
      expect(refusal(parts())).to.equal(says);
    });
  }

  const UNREADABLE = [
    { name: "no JSON", text: "{ not json", says: /^part\.json is not JSON: / },
    {
      name: "JSON of another tool",
      text: '{"format":"pact"}',
      says: /^part\.json is not a qimen-pact verify --json report/,
    },
    {
      name: "a report without its results",
      text: '{"format":"qimen-pact-verify/1"}',
      says: /^part\.json has no "interactions" list/,
    },
  ];
  for (const { name, text, says } of UNREADABLE) {
    it(`refuses a file of ${name}`, () => {
      expect(() => parseJsonReport("part.json", text)).to.throw(says);
    });
  }
});

describe("qimen-pact verify --shard K/N, then report merge, against the sandbox", () => {
  let dir: string;
  let wms: RunningVariant;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-merge-"));
    wms = await startVariant({ name: "the sandbox" });
  });
  after(async () => {
    await wms.close();
    await rm(dir, { recursive: true, force: true });
  });

  const verifyPart = (shard: string, file: string) =>
    runCli(
      [
        "verify",
        ...["--provider-base-url", wms.qimenUrl.href, "--state-change-url", wms.stateChangeUrl.href],
        ...["--app-key", SANDBOX_APP_KEY, "--contracts", COMMITTED_CONTRACT, "--jobs", "1"],
        ...["--shard", shard, "--provider-version", "abc123", "--json", join(dir, file)],
      ],
      { QIMEN_SECRET: SANDBOX_SECRET },
    );

  it("verifies each part alone and merges them into every interaction of the contract, once, in contract order", async () => {
    const parts = [
      await verifyPart("1/3", "p1.json"),
      await verifyPart("2/3", "p2.json"),
      await verifyPart("3/3", "p3.json"),
    ];
    expect(parts.map(({ exitCode }) => exitCode)).to.deep.equal([0, 0, 0]);
    expect(
      parts.map(({ stdout }) => /^Part (\d\/3) of (\d+) interactions: (\d+) interactions/m.exec(stdout)?.slice(1)),
    ).to.deep.equal([
      ["1/3", "7", "2"],
      ["2/3", "7", "2"],
      ["3/3", "7", "3"],
    ]);
    const merged = await runCli([
      "report",
      "merge",
      ...["p3.json", "p1.json", "p2.json"].map((f) => join(dir, f)),
      "--json",
      join(dir, "all.json"),
    ]);
    expect(merged.exitCode).to.equal(0);
    expect(merged.stdout).to.match(/^7 interactions: 7 passed, 0 failed \(\d+\.\d s\)\. PASSED$/m);
    const whole = parseJsonReport("all.json", await readFile(join(dir, "all.json"), "utf8"));
    const contract = JSON.parse(await readFile(COMMITTED_CONTRACT, "utf8")) as {
      interactions: { description: string }[];
    };
    expect(whole.interactions.map(({ description, verdict }) => `${verdict} ${description}`)).to.deep.equal(
      contract.interactions.map(({ description }) => `passed ${description}`),
    );
    expect(whole.part).to.equal(undefined);
    expect(whole.providerVersion).to.equal("abc123");
  });

  it("refuses, exit 2 and no report written, when a part is missing", async () => {
    await verifyPart("1/2", "q1.json");
    const merged = await runCli(["report", "merge", join(dir, "q1.json"), "--json", join(dir, "never.json")]);
    expect(merged).to.deep.include({ exitCode: 2, stdout: "" });
    expect(merged.stderr).to.equal(
      "qimen-pact report: part 2/2 missing: a partial verification is never reported as a whole one\nRun `qimen-pact report --help` for usage.\n",
    );
    expect(await readFile(join(dir, "never.json")).catch((error: NodeJS.ErrnoException) => error.code)).to.equal(
      "ENOENT",
    );
  });

  it("says what it expects when the action is not merge", async () => {
    const outcome = await runCli(["report", "join", "a.json"]);
    expect(outcome.exitCode).to.equal(2);
    expect(outcome.stderr).to.match(/^qimen-pact report: expected "report merge PART\.json\.\.\.", got "join"$/m);
  });
});
