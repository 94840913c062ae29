import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretCanaries } from "./canary.js";
import { CONTRACT_FILE_NAME } from "./contract.js";
import { mergeRecordedPacts, startContractRecording } from "./contract-recording.js";
import { interactionVariants } from "./interaction-variants.js";
import { INTERACTIONS, type InteractionSpec } from "./interactions.js";
import { createContractPact, recordInteraction } from "./record-interaction.js";

/*
 * The recording writes each interaction to a file of its own and merges once; the proof that this
 * changes nothing is Pact itself: the same interactions recorded the plain way (one pact, Pact
 * merging after every test) must give the very same bytes.
 */
describe("contract recording: one pact file per interaction, merged once", function () {
  const secrets = secretCanaries();
  let scratch: string;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "qimen-pact-recording-"));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function recordPlainly(specs: readonly InteractionSpec[]): Promise<string> {
    const dir = join(scratch, "plain");
    const pact = createContractPact(dir);
    for (const spec of specs) await recordInteraction(pact, spec, secrets);
    return readFile(join(dir, CONTRACT_FILE_NAME), "utf8");
  }

  async function recordMerged(specs: readonly InteractionSpec[]): Promise<string> {
    const recording = startContractRecording(join(scratch, "split"));
    for (const spec of specs) await recording.record(spec, secrets);
    return readFile(await recording.writeContract(join(scratch, "merged")), "utf8");
  }

  const row = (index: number): InteractionSpec => INTERACTIONS[index] ?? expect.fail(`no INTERACTIONS row ${index}`);
  const [newOrder, everyField, delivered, unknownOrder] = [0, 1, 4, 5].map(row) as [
    InteractionSpec,
    InteractionSpec,
    InteractionSpec,
    InteractionSpec,
  ];
  const renamed = (spec: InteractionSpec, description: string): InteractionSpec => ({ ...spec, description });
  const cases: { name: string; specs: readonly InteractionSpec[] }[] = [
    { name: "the suite's interactions", specs: INTERACTIONS },
    { name: "20 generated variants, recorded in reverse", specs: interactionVariants(20).reverse() },
    {
      // Pact keeps the later of two interactions with the same description and state.
      name: "a description and state recorded twice, with different requests",
      specs: [newOrder, renamed(everyField, newOrder.description), renamed(unknownOrder, "z")],
    },
    {
      name: "one description under two provider states",
      specs: [renamed(unknownOrder, "same words"), renamed(delivered, "same words")],
    },
    {
      // Rust orders by UTF-8 bytes: U+FF01 before U+1F600, the reverse of JavaScript's UTF-16 order.
      name: "descriptions that UTF-8 and UTF-16 order differently",
      specs: [renamed(newOrder, "cancel 😀"), renamed(delivered, "cancel ！"), renamed(unknownOrder, "cancel é")],
    },
  ];

  for (const { name, specs } of cases) {
    it(`writes what Pact's per-test merging writes, byte for byte: ${name}`, async () => {
      const merged = await recordMerged(specs);
      expect(merged).to.equal(await recordPlainly(specs));
    });
  }

  it("refuses to write a contract when nothing was recorded", async () => {
    const recording = startContractRecording(scratch);
    let failure: unknown;
    await recording.writeContract(scratch).catch((error: unknown) => (failure = error));
    expect(failure)
      .to.be.instanceOf(Error)
      .with.property("message", "no interaction was recorded, so there is no contract to write");
  });

  it("refuses to merge pact files of other pacticipants", async () => {
    const recording = startContractRecording(scratch);
    await recording.record(newOrder, secrets);
    const file = await readFile(await recording.writeContract(scratch), "utf8");
    const other = file.replace('"name": "qimen-erp"', '"name": "another-erp"');
    expect(() => mergeRecordedPacts([file, other])).to.throw(
      Error,
      "recorded pact file 2 names other pacticipants or metadata than file 1: they cannot be one contract",
    );
  });

  it("refuses a file holding more than one interaction, which it cannot copy as text", async () => {
    const file = await recordPlainly([newOrder, everyField]);
    expect(() => mergeRecordedPacts([file])).to.throw(
      Error,
      "recorded pact file 1 is not the one-interaction pact file Pact writes, so it cannot be merged as text",
    );
  });
});
