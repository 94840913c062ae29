import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import { verifyProvider, type VerifyProgress } from "../../provider-verify/verify-provider.js";
import { INTERACTION_SLACK_MS, SHARD_SLACK_MS, shardDeadlineMs } from "../../provider-verify/worker-pool.js";
import type { ShardInteraction, WorkerShard } from "../../provider-verify/worker-protocol.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { runCli } from "../support/fake-io.js";
import { commandLine, descendants } from "../support/process-tree.js";
import { DESCRIPTIONS, writeContractSubset } from "./fixtures.js";
import { startVariant, type WmsVariant } from "./wms-variants.js";

/*
 * Every call has its own deadline, but a Pact verifier run can still hang (its matcher took 288 s
 * on one deeply nested answer). Each shard's run has a deadline computed from --timeout-ms and its
 * interactions: past it the worker is killed and the run still ends and reports.
 */

const TIMEOUT_MS = 200;

function shardOf(calls: readonly number[]): WorkerShard {
  return {
    pactFile: "shard.json",
    provider: "wms",
    interactions: calls.map((count, index): ShardInteraction => ({
      index,
      badSignature: false,
      checkedHeaders: [],
      calls: count,
    })),
  };
}

function only(contracts: readonly Contract[], descriptions: readonly string[]): Contract[] {
  return contracts.map((contract) => ({
    ...contract,
    interactions: contract.interactions.filter((interaction) => descriptions.includes(interaction.description)),
  }));
}

/** Stops (SIGSTOP) this process's verifier workers: a hang the per-call deadlines cannot end. */
function stopWorkers(): void {
  for (const pid of descendants(process.pid)) {
    if (commandLine(pid).includes("pact-worker")) process.kill(pid, "SIGSTOP");
  }
}

/** A WMS at whose first state change verify's workers hang. */
function hangingFirstWorker(): WmsVariant {
  let stopped = false;
  return {
    name: "hangs the verifier at its first state change",
    alterStateAnswer: (answer) => {
      if (!stopped) stopWorkers();
      stopped = true;
      return answer;
    },
  };
}

function overrunMessage(deadlineMs: number): string {
  return `verification of this shard exceeded its deadline of ${deadlineMs} ms (1 interaction, --timeout-ms ${TIMEOUT_MS}; see Bounds in qimen-pact verify --help): its verifier process was killed and the shard's interactions were not judged. Pact's verifier could not finish with an answer, or the machine is overloaded`;
}

describe("verify: each shard's Pact run has a deadline", () => {
  const DEADLINES: readonly { readonly calls: readonly number[]; readonly timeoutMs: number; readonly ms: number }[] = [
    // One delivery, one state's setup and teardown: 3 calls.
    { calls: [3], timeoutMs: 200, ms: SHARD_SLACK_MS + 3 * 200 + INTERACTION_SLACK_MS },
    { calls: [3, 1, 5], timeoutMs: 1000, ms: SHARD_SLACK_MS + 9 * 1000 + 3 * INTERACTION_SLACK_MS },
    { calls: [3], timeoutMs: 2 ** 31 - 1, ms: 2 ** 31 - 1 },
  ];
  for (const { calls, timeoutMs, ms } of DEADLINES) {
    it(`is ${ms} ms for interactions of ${calls.join(", ")} calls and --timeout-ms ${timeoutMs}`, () => {
      expect(shardDeadlineMs(shardOf(calls), timeoutMs)).to.equal(ms);
    });
  }

  it("fails a hung shard's interactions in words, and verifies the next shard in a fresh worker", async function () {
    const deadlineMs = shardDeadlineMs(shardOf([3]), TIMEOUT_MS);
    this.timeout(deadlineMs + 30_000);
    const running = await startVariant(hangingFirstWorker());
    const progress: VerifyProgress[] = [];
    try {
      const contracts = only(await loadContracts([COMMITTED_CONTRACT]), [DESCRIPTIONS.NEW, DESCRIPTIONS.DELIVERED]);
      const report = await verifyProvider({
        contracts,
        providerUrl: running.qimenUrl,
        stateChangeUrl: running.stateChangeUrl,
        secret: SANDBOX_SECRET,
        appKey: SANDBOX_APP_KEY,
        timeoutMs: TIMEOUT_MS,
        jobs: 1,
        maxShardSize: 1,
        progressIntervalMs: 1_000,
        onProgress: (step) => progress.push(step),
      });
      expect(
        report.interactions.map(({ description, verdict, reasons }) => ({ description, verdict, reasons })),
      ).to.deep.equal([
        {
          description: DESCRIPTIONS.NEW,
          verdict: "failed",
          reasons: [
            {
              kind: "verifier",
              where: "verifier",
              message: overrunMessage(deadlineMs),
            },
          ],
        },
        { description: DESCRIPTIONS.DELIVERED, verdict: "passed", reasons: [] },
      ]);
      // While the hung shard held every result back, the caller heard that verify was still at it.
      expect(progress.length).to.be.greaterThan(0);
      expect(progress[0]).to.include({ reported: 0, total: 2 });
    } finally {
      await running.close();
    }
  });

  it("qimen-pact verify says it is still at it while a shard hangs, then fails it and exits 1", async function () {
    const deadlineMs = shardDeadlineMs(shardOf([3]), TIMEOUT_MS);
    this.timeout(deadlineMs + 30_000);
    const dir = await mkdtemp(join(tmpdir(), "qimen-pact-deadline-"));
    const running = await startVariant(hangingFirstWorker());
    try {
      const contract = await writeContractSubset(dir, [DESCRIPTIONS.NEW]);
      const result = await runCli(
        [
          ...[
            "verify",
            "--provider-base-url",
            running.qimenUrl.href,
            "--state-change-url",
            running.stateChangeUrl.href,
          ],
          ...["--contracts", contract, "--app-key", SANDBOX_APP_KEY, "--timeout-ms", String(TIMEOUT_MS)],
        ],
        { QIMEN_SECRET: SANDBOX_SECRET },
      );
      expect(result.exitCode).to.equal(1);
      // The deadline is past PROGRESS_INTERVAL_MS, so the silence is broken at least once.
      expect(result.stderr).to.match(
        /^qimen-pact verify: still verifying after \d+ s: 0 of 1 interactions reported \(each shard runs within its deadline, see Bounds in --help\)$/m,
      );
      expect(result.stdout).to.include(`verifier: ${overrunMessage(deadlineMs)}`);
    } finally {
      await running.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
