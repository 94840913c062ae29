import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { COMMITTED_CONTRACT, readPactFile, type PactFile } from "../../consumer-tests/contract.js";
import { isBadSignatureInteraction } from "../../src/contract-conventions.js";
import { runCli } from "../support/fake-io.js";

const OWN_ERP = fileURLToPath(new URL("../erps/own-client-erp.ts", import.meta.url));

/** What a WMS must do for each interaction: the state it is put in and the answer (flag, and code on failure). */
function behaviours(pact: PactFile) {
  return pact.interactions
    .map((interaction) => {
      const content = interaction.response.body?.content ?? "";
      return JSON.stringify({
        states: interaction.providerStates,
        flag: /<flag>([^<]*)<\/flag>/.exec(content)?.[1],
        code: /<code>([^<]*)<\/code>/.exec(content)?.[1],
      });
    })
    .sort();
}

describe("qimen-pact record: the project's own ERP client", function () {
  this.timeout(60_000);
  let scratch: string;
  before(async () => void (scratch = await mkdtemp(join(tmpdir(), "qimen-pact-record-own-"))));
  after(() => rm(scratch, { recursive: true, force: true }));

  it("reproduces the shipped contract's interactions: the same states and answers (the wrong-secret one is refused)", async () => {
    const run = await runCli(
      ["record", "--consumer", "qimen-erp", "--out", scratch, "--", process.execPath, "--import", "tsx", OWN_ERP],
      { PATH: process.env["PATH"] },
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    const recorded = await readPactFile(join(scratch, "qimen-erp-qimen-wms.json"));
    const shipped = await readPactFile(COMMITTED_CONTRACT);
    const conforming = {
      ...shipped,
      interactions: shipped.interactions.filter((item) => !isBadSignatureInteraction(item)),
    };
    expect(behaviours(recorded)).to.deep.equal(behaviours(conforming));
  });
});
