import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateContract, readCommittedContract } from "../support/generated-contracts.js";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import type { InteractionResult } from "../../provider-verify/results.js";
import { PASSED_ALONE_NOTE, VERIFIED_ALONE_NOTE, verifyProvider } from "../../provider-verify/verify-provider.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { startWms, stopWms } from "../support/python-wms.js";
import { rewriteXml, startVariant } from "./wms-variants.js";

/*
 * No false red from our own parallelism: an interaction that fails while shards run side by side
 * is verified once more, alone, before it is reported. One that passes then is reported passed,
 * with a note that names the cause; one that fails again is a real failure.
 */

type Json = Record<string, unknown>;

/** `count` copies of the committed interactions, each with its own orders; `edit` may break some. */
async function generated(dir: string, count: number, edit: (interaction: Json, position: number) => Json = (i) => i) {
  const pact = generateContract(await readCommittedContract(), count);
  const path = join(dir, `generated-${count}.json`);
  await writeFile(path, JSON.stringify({ ...pact, interactions: pact.interactions.map(edit) }));
  const [contract] = await loadContracts([path]);
  if (contract === undefined) throw new Error("one contract was written");
  return contract;
}

/** The first copy of the committed NEW-order interaction expects failure instead of success. */
function expectingFailureAt(target: number): (interaction: Json, position: number) => Json {
  return (interaction, position) =>
    position === target
      ? (JSON.parse(JSON.stringify(interaction).replace("<flag>success</flag>", "<flag>failure</flag>")) as Json)
      : interaction;
}

function verdicts(results: readonly InteractionResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { verdict, notes } of results) {
    const key = `${verdict}${notes.includes(PASSED_ALONE_NOTE) ? " alone" : ""}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function verify(urls: { qimenUrl: URL; stateChangeUrl: URL }, contract: Contract, jobs: number) {
  return verifyProvider({
    contracts: [contract],
    providerUrl: urls.qimenUrl,
    stateChangeUrl: urls.stateChangeUrl,
    secret: SANDBOX_SECRET,
    appKey: SANDBOX_APP_KEY,
    jobs,
  });
}

describe("verify: an interaction that fails beside others in parallel is verified again alone", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-alone-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A WMS whose first answer to the first order is a failure: what a state undone by a parallel shard looks like. */
  async function failingFirstTime(contract: Contract) {
    const order = String(contract.interactions[0]?.states[0]?.params["orderCode"]);
    let answered = false;
    return startVariant({
      name: "fails the first call of one order",
      alterAnswer: (answer, call) => {
        if (call.orderCode !== order || answered) return answer;
        answered = true;
        return rewriteXml(
          () => "<response><flag>failure</flag><code>order-not-found</code><message>gone</message></response>",
        )(answer);
      },
    });
  }

  // 60 interactions: two shards of 30, run side by side by two workers.
  it("reports it passed, with the note, when it passes alone", async () => {
    const contract = await generated(dir, 60);
    const wms = await failingFirstTime(contract);
    try {
      const report = await verify(wms, contract, 2);
      expect(verdicts(report.interactions)).to.deep.equal({ passed: 59, "passed alone": 1 });
      expect(report.interactions[0]?.notes).to.deep.equal([PASSED_ALONE_NOTE]);
      expect(report.interactions.map(({ description }) => description)).to.deep.equal(
        contract.interactions.map(({ description }) => description),
      );
    } finally {
      await wms.close();
    }
  });

  it("reports the failure as it is when nothing ran in parallel (--jobs 1)", async () => {
    const contract = await generated(dir, 60);
    const wms = await failingFirstTime(contract);
    try {
      const report = await verify(wms, contract, 1);
      expect(verdicts(report.interactions)).to.deep.equal({ passed: 59, failed: 1 });
      expect(report.interactions[0]?.verdict).to.equal("failed");
    } finally {
      await wms.close();
    }
  });

  it("still fails an interaction that fails alone too, without the note", async () => {
    const contract = await generated(dir, 60, expectingFailureAt(0));
    const wms = await startVariant({ name: "the sandbox" });
    try {
      const report = await verify(wms, contract, 2);
      expect(verdicts(report.interactions)).to.deep.equal({ passed: 59, failed: 1 });
      expect(report.interactions[0]?.reasons.map(({ kind }) => kind)).to.include("contract-mismatch");
    } finally {
      await wms.close();
    }
  });

  it("verifies alone an expected failure that passed in parallel by accident, once the endpoint shows it is not isolated", async () => {
    // Interaction 0 wrongly expects a failure for a NEW order; its first answer, "no such order" as
    // when another shard's setup removed the order, passes it by accident.
    const contract = await generated(dir, 60, expectingFailureAt(0));
    const answered = new Set<string>();
    const wms = await startVariant({
      name: "answers 'no such order' to the first call of each order",
      alterAnswer: (answer, call) => {
        if (answered.has(call.orderCode)) return answer;
        answered.add(call.orderCode);
        return rewriteXml(
          () => "<response><flag>failure</flag><code>order-not-found</code><message>gone</message></response>",
        )(answer);
      },
    });
    try {
      const report = await verify(wms, contract, 2);
      const [first, ...others] = report.interactions;
      expect({
        verdict: first?.verdict,
        notes: first?.notes,
        kinds: first?.reasons.map(({ kind }) => kind),
      }).to.deep.equal({
        verdict: "failed",
        notes: [VERIFIED_ALONE_NOTE],
        kinds: ["contract-mismatch"],
      });
      expect(others.filter(({ verdict }) => verdict === "failed")).to.deep.equal([]);
    } finally {
      await wms.close();
    }
  });

  it("verifies nothing again when nothing failed in parallel: an isolated WMS's expected failures stand", async () => {
    const contract = await generated(dir, 60);
    const wms = await startVariant({ name: "the sandbox" });
    try {
      const report = await verify(wms, contract, 2);
      expect(report.interactions.map(({ verdict, notes }) => `${verdict} ${notes.join()}`)).to.deep.equal(
        contract.interactions.map(() => "passed "),
      );
    } finally {
      await wms.close();
    }
  });

  describe("against a WMS we did not write whose every state setup empties the whole store (wms.py)", function () {
    // Most of the 200 fail side by side and are verified again, one after another.
    this.timeout(120_000);
    // 200 interactions: five shards of 40 over two workers, the default --jobs of a 2-core machine.
    it("gives no false red at --jobs 2: every interaction passes, alone where the parallel run undid its state", async () => {
      const contract = await generated(dir, 200);
      const wms = await startWms("store-resetting");
      try {
        const report = await verify(wms, contract, 2);
        expect(report.interactions.filter(({ verdict }) => verdict === "failed")).to.deep.equal([]);
        const notes = new Set(report.interactions.flatMap((result) => result.notes));
        expect([...notes].filter((note) => note !== PASSED_ALONE_NOTE && note !== VERIFIED_ALONE_NOTE)).to.deep.equal(
          [],
        );
      } finally {
        await stopWms(wms);
      }
    });

    it("still fails the one interaction whose contract the WMS breaks", async () => {
      const broken = 3 * 7; // a copy of the first committed interaction, a NEW order's success
      const contract = await generated(dir, 200, expectingFailureAt(broken));
      const wms = await startWms("store-resetting");
      try {
        const report = await verify(wms, contract, 2);
        const failed = report.interactions.flatMap(({ verdict, description }) =>
          verdict === "failed" ? [description] : [],
        );
        expect(failed).to.deep.equal([contract.interactions[broken]?.description]);
      } finally {
        await stopWms(wms);
      }
    });
  });
});
