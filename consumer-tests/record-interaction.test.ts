import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContractPact, matchBooked } from "./record-interaction.js";

describe("recording an interaction: waiting for Pact's mock server to book the match", () => {
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "qimen-pact-match-booked-"));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  // Pact logs the request that never came at error level: expected here.
  it("rejects at the deadline, naming the interaction, the Pact bug and the mock server's mismatches", async () => {
    const pact = createContractPact(scratch, "error");
    const outcome = await pact
      .addInteraction()
      .uponReceiving("a call never made")
      .withRequest("POST", "/never")
      .willRespondWith(200)
      .executeTest(async (mockServer) => await matchBooked(mockServer.port, "a call never made", 20))
      .then(
        () => "resolved",
        (error: unknown) => (error as Error).message,
      );
    expect(outcome).to.match(
      /^Pact's mock server answered "a call never made" but had not booked the match after 20 ms \(pact-reference#535\); its mismatches: \[.*"type":"missing-request".*\]$/,
    );
  });
});
