import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateContract, readCommittedContract } from "../support/generated-contracts.js";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import { MARKER_HEADER, MARKER_PARAM } from "../../provider-verify/shards.js";
import { verifyProvider } from "../../provider-verify/verify-provider.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { runCli, type CliOutcome } from "../support/fake-io.js";
import { rewriteXml, startVariant, type RunningVariant, type TransportFault } from "./wms-variants.js";

/*
 * verify splits the interactions into shards, one Pact run each, run by parallel worker
 * processes. These tests prove what that must not change: every interaction is verified once and
 * reported in contract order, and a verdict, an answer or a failed state lands on its own
 * interaction even when many share one Pact run.
 */

const GENERATED = 10;

/** A contract of `count` copies of the committed interactions, each with its own orders, in `dir`. */
async function generatedContract(
  dir: string,
  count: number,
  edit: (interaction: Record<string, unknown>, position: number) => Record<string, unknown> = (i) => i,
): Promise<string> {
  const pact = generateContract(await readCommittedContract(), count);
  const path = join(dir, `generated-${count}.json`);
  await writeFile(path, JSON.stringify({ ...pact, interactions: pact.interactions.map(edit) }));
  return path;
}

function orderCodeOf(contract: Contract, position: number): string {
  return String(contract.interactions[position]?.states[0]?.params["orderCode"]);
}

describe("verify in shards run by parallel workers", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-sharded-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Four shards dealt to two workers: shards in turn within a worker, and workers in parallel.
  const PLANS = [{ jobs: 2, maxShardSize: 3 }] as const;
  for (const { jobs, maxShardSize } of PLANS) {
    it(`verifies every interaction exactly once, in contract order, with ${jobs} workers and shards of at most ${maxShardSize}`, async () => {
      const wmsLog: string[] = [];
      const calls: string[] = [];
      const wms = await startVariant({
        name: "records what it is sent",
        sandbox: { log: (line) => wmsLog.push(line) },
        alterAnswer: (answer, call) => {
          calls.push(call.orderCode);
          return answer;
        },
      });
      try {
        const [contract] = await loadContracts([await generatedContract(dir, GENERATED)]);
        if (contract === undefined) throw new Error("one contract was written");
        const report = await verifyProvider({
          contracts: [contract],
          providerUrl: wms.qimenUrl,
          stateChangeUrl: wms.stateChangeUrl,
          secret: SANDBOX_SECRET,
          appKey: SANDBOX_APP_KEY,
          jobs,
          maxShardSize,
        });
        expect(report.interactions.map(({ description, verdict }) => `${verdict} ${description}`)).to.deep.equal(
          contract.interactions.map(({ description }) => `passed ${description}`),
        );
        const orders = contract.interactions.map((_, position) => orderCodeOf(contract, position));
        expect([...calls].sort()).to.deep.equal([...orders].sort());
        const stateChanges = wmsLog
          .filter((line) => line.startsWith("call=state"))
          .map((line) => `${/action=(\w+)/.exec(line)?.[1]} ${/orderCode=(\S+)/.exec(line)?.[1]}`);
        expect(stateChanges.sort()).to.deep.equal(
          orders.flatMap((order) => [`setup ${order}`, `teardown ${order}`]).sort(),
        );
      } finally {
        await wms.close();
      }
    });
  }

  it("never lets its interaction markers reach the WMS", async () => {
    const wmsLog: string[] = [];
    const headerNames = new Set<string>();
    const wms = await startVariant({
      name: "records what it is sent",
      sandbox: { log: (line) => wmsLog.push(line) },
      alterAnswer: (answer, call) => {
        for (const name of Object.keys(call.headers)) headerNames.add(name);
        return answer;
      },
    });
    try {
      const contracts = await loadContracts([await generatedContract(dir, 4)]);
      const report = await verifyProvider({
        contracts,
        providerUrl: wms.qimenUrl,
        stateChangeUrl: wms.stateChangeUrl,
        secret: SANDBOX_SECRET,
        appKey: SANDBOX_APP_KEY,
        jobs: 1,
      });
      expect(report.summary).to.deep.equal({ total: 4, passed: 4, failed: 0 });
      expect({
        header: headerNames.has(MARKER_HEADER),
        param: wmsLog.some((line) => line.includes(MARKER_PARAM)),
      }).to.deep.equal({ header: false, param: false });
    } finally {
      await wms.close();
    }
  });
});

/** What goes wrong with copy k of the generated contract; the copies in between must pass. */
interface Failure {
  readonly position: number;
  readonly what: string;
  readonly fault?: TransportFault;
  /** The lines under the interaction's FAIL line must match. */
  readonly reported: RegExp;
}

const TIMEOUT_MS = 500;
const FAILURES: readonly Failure[] = [
  {
    // The reset may reach undici as the reset itself or as the end of the socket, as timing has it.
    position: 0,
    what: "a connection reset in the middle of the answer",
    fault: "reset-mid-answer",
    reported:
      /^ {6}provider: http:\/\/127\.0\.0\.1:\d+\/qimen: the connection (?:was reset|closed) in the middle of the answer \((?:ECONNRESET|UND_ERR_SOCKET); HTTP 200 and \d+ bytes of the body had arrived\)$/m,
  },
  {
    position: 2,
    what: "a wrong flag",
    reported: /^ {6}body response\/flag \(text\): expected "failure", got "success"$/m,
  },
  {
    position: 4,
    what: "an answer slower than --timeout-ms",
    fault: "stall-mid-answer",
    reported: new RegExp(
      `^ {6}provider: http://127\\.0\\.0\\.1:\\d+/qimen did not finish its answer within ${TIMEOUT_MS} ms \\(HTTP 200 and \\d+ bytes of the body had arrived\\)$`,
      "m",
    ),
  },
  {
    position: 6,
    what: "a provider state the WMS cannot set",
    reported: /^ {6}state "an order is on hold": http:\/\/127\.0\.0\.1:\d+\/pact\/provider-states answered HTTP 400/m,
  },
  {
    position: 8,
    what: "a connection closed before any answer",
    fault: "close-before-answer",
    reported:
      /^ {6}provider: http:\/\/127\.0\.0\.1:\d+\/qimen: the connection closed before an answer arrived \(\w+\)$/m,
  },
];
const UNSETTABLE_STATE = { name: "an order is on hold", params: { orderCode: "SO-HOLD-6" } };

/** Each interaction's block of the console report: its PASS/FAIL line and the lines under it. */
function blocks(stdout: string): string[] {
  return stdout.split(/^(?=PASS|FAIL)/m).slice(1);
}

describe("verify: a failure lands on its own interaction, however many share the Pact run", () => {
  let dir: string;
  let wms: RunningVariant;
  let result: CliOutcome;
  let descriptions: string[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-attribution-"));
    const path = await generatedContract(dir, GENERATED, (interaction, position) =>
      FAILURES.some((failure) => failure.position === position && failure.what.includes("state"))
        ? { ...interaction, providerStates: [UNSETTABLE_STATE] }
        : interaction,
    );
    const [contract] = await loadContracts([path]);
    if (contract === undefined) throw new Error("one contract was written");
    descriptions = contract.interactions.map(({ description }) => description);
    const orderOf = new Map(FAILURES.map((failure) => [orderCodeOf(contract, failure.position), failure]));
    wms = await startVariant({
      name: "fails chosen interactions, each its own way",
      fault: (call) => orderOf.get(call.orderCode)?.fault,
      alterAnswer: (answer, call) =>
        orderOf.get(call.orderCode)?.what === "a wrong flag"
          ? rewriteXml((xml) => xml.replace("<flag>failure", "<flag>success"))(answer)
          : answer,
    });
    // Fewer interactions than a shard holds: all of them run in one Pact run.
    result = await runCli(
      [
        "verify",
        ...["--provider-base-url", wms.qimenUrl.href, "--state-change-url", wms.stateChangeUrl.href],
        ...["--contracts", path, "--timeout-ms", String(TIMEOUT_MS)],
      ],
      { QIMEN_SECRET: SANDBOX_SECRET, QIMEN_APP_KEY: SANDBOX_APP_KEY },
    );
  });
  after(async () => {
    await wms.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("fails exactly the broken interactions, passes their neighbours, and exits 1", () => {
    const failing = new Set(FAILURES.map(({ position }) => position));
    expect({
      exitCode: result.exitCode,
      verdicts: blocks(result.stdout).map((block) => block.slice(0, 4)),
    }).to.deep.equal({
      exitCode: 1,
      verdicts: descriptions.map((_, position) => (failing.has(position) ? "FAIL" : "PASS")),
    });
  });

  for (const { position, what, reported } of FAILURES) {
    it(`reports ${what} on that interaction, in plain words`, () => {
      const block = blocks(result.stdout)[position] ?? "";
      expect(block.startsWith(`FAIL  ${descriptions[position]}`), block).to.equal(true);
      expect(block).to.match(reported, block);
    });
  }
});
