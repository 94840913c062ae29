import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandboxWms, type SandboxWms, type SandboxWmsUrls } from "../src/wms/index.js";
import { isBadSignatureInteraction } from "../src/contract-conventions.js";
import { COMMITTED_CONTRACT, readPactFile, type PactFile } from "./contract.js";
import { outputsLeaking, secretCanaries } from "./canary.js";
import { runPactVerifier, type PactVerifierRun } from "./pact-verifier.js";
import { EXAMPLE_APP_KEY, EXAMPLE_CUSTOMER_ID, EXAMPLE_PATH, FIXED_NOW } from "./record-interaction.js";

/*
 * The committed contract must be readable and verifiable by Pact's own standalone Rust verifier,
 * not only by our tooling. That verifier replays each request exactly as recorded and cannot
 * re-sign it, so:
 * - the interactions with valid signatures run against a sandbox whose signature check is switched
 *   off (test-only `verifySignatures: false`), the one marked bad-signature is filtered out there;
 * - the marked one runs against a sandbox that checks signatures: its recorded sign was made with a
 *   wrong secret, so the sandbox must answer sign-check-failure, as the contract says.
 * Both sandboxes run on the contract's fixed clock so its recorded timestamps are inside their window.
 */
describe("cross-check: the Rust `pact verifier` against the sandbox WMS", function () {
  const secrets = secretCanaries();
  const sandboxLog: string[] = [];
  const runs: PactVerifierRun[] = [];
  let contract: PactFile;
  let scratch: string;
  let unchecked: Started;
  let checked: Started;

  before(async () => {
    contract = await readPactFile(COMMITTED_CONTRACT);
    scratch = await mkdtemp(join(tmpdir(), "qimen-pact-cross-check-"));
    unchecked = await startSandbox(false);
    checked = await startSandbox(true);
  });
  after(async () => {
    await Promise.all([unchecked?.sandbox.close(), checked?.sandbox.close()]);
    await rm(scratch, { recursive: true, force: true });
  });

  interface Started {
    readonly sandbox: SandboxWms;
    readonly urls: SandboxWmsUrls;
  }

  async function startSandbox(verifySignatures: boolean): Promise<Started> {
    const sandbox = createSandboxWms({
      credentials: { [EXAMPLE_APP_KEY]: secrets.secret },
      customerId: EXAMPLE_CUSTOMER_ID,
      path: EXAMPLE_PATH,
      now: () => FIXED_NOW,
      verifySignatures,
      log: (line) => void sandboxLog.push(line),
    });
    return { sandbox, urls: await sandbox.listen() };
  }

  async function verify(target: Started, contractFile: string, descriptions: readonly string[]) {
    const run = await runPactVerifier({
      contractFile,
      providerUrl: new URL(target.urls.qimenUrl.origin),
      stateChangeUrl: target.urls.stateChangeUrl,
      descriptions,
    });
    runs.push(run);
    return run;
  }

  const descriptionsOf = (bad: boolean) =>
    contract.interactions
      .filter((interaction) => isBadSignatureInteraction(interaction) === bad)
      .map(({ description }) => description);

  const verdicts = (run: PactVerifierRun) =>
    run.report.interactionResults.map(({ description, result }) => ({ description, result }));

  it("verifies every correctly signed interaction against the sandbox with signature checks off", async () => {
    const wellSigned = descriptionsOf(false);
    const run = await verify(unchecked, COMMITTED_CONTRACT, wellSigned);
    expect(verdicts(run), run.output).to.deep.equal(wellSigned.map((description) => ({ description, result: "OK" })));
    expect({ exitCode: run.exitCode, result: run.report.result }).to.deep.equal({ exitCode: 0, result: true });
  });

  it("verifies the bad-signature interaction against the sandbox that checks signatures", async () => {
    const badlySigned = descriptionsOf(true);
    expect(badlySigned).to.have.length(1);
    const run = await verify(checked, COMMITTED_CONTRACT, badlySigned);
    expect(verdicts(run), run.output).to.deep.equal(badlySigned.map((description) => ({ description, result: "OK" })));
    expect(run.exitCode).to.equal(0);
  });

  it("fails a corrupted copy of the contract, on the corrupted interaction only", async () => {
    const corrupted = "a repeated cancel of an order that is already CANCELED";
    const copy = join(scratch, "corrupted.json");
    await writeFile(copy, corruptFlag(await readFile(COMMITTED_CONTRACT, "utf8"), corrupted));
    const wellSigned = descriptionsOf(false);
    const run = await verify(unchecked, copy, wellSigned);
    expect(run.exitCode).not.to.equal(0);
    expect(run.report.result).to.equal(false);
    expect(
      verdicts(run)
        .filter(({ result }) => result !== "OK")
        .map(({ description }) => description),
      run.output,
    ).to.deep.equal([corrupted]);
    expect(verdicts(run)).to.have.length(wellSigned.length);
  });

  it("shows neither ERP secret in the verifier's output, its JSON report or the sandbox log (canary)", () => {
    expect(runs).to.have.length(3);
    expect(sandboxLog.filter((line) => line.startsWith("call=qimen "))).to.have.length(
      2 * descriptionsOf(false).length + 1,
    );
    const outputs = {
      "verifier output": runs.map(({ output }) => output).join("\n"),
      "verifier JSON report": runs.map(({ reportText }) => reportText).join("\n"),
      "sandbox log": sandboxLog.join("\n"),
    };
    expect(outputsLeaking(outputs, secrets)).to.deep.equal([]);
  });
});

/** The contract with one interaction's expected `<flag>success</flag>` turned into failure. */
function corruptFlag(contractText: string, description: string): string {
  const pact = JSON.parse(contractText) as {
    interactions: { description: string; response: { body: { content: string } } }[];
  };
  const target = pact.interactions.find((interaction) => interaction.description === description);
  if (target === undefined) throw new Error(`no interaction "${description}" to corrupt`);
  const corrupted = target.response.body.content.replace("<flag>success</flag>", "<flag>failure</flag>");
  if (corrupted === target.response.body.content) throw new Error(`"${description}" does not expect success`);
  target.response.body.content = corrupted;
  return JSON.stringify(pact, null, 2);
}
