import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LISTENING_PREFIX } from "../../cli/wms-command.js";
import { encodeCancelRequest } from "../../src/protocol/request-codec.js";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { spawnCli } from "../support/cli-process.js";
import { runCli } from "../support/fake-io.js";
import { postQimen, postState, signedParams, toSearch } from "../wms/harness.js";

/** `qimen-pact wms --record FILE --consumer NAME`: a long-running sandbox for an ERP on a staging host. */
describe("qimen-pact wms --record", function () {
  this.timeout(30_000);
  let scratch: string;
  before(async () => void (scratch = await mkdtemp(join(tmpdir(), "qimen-pact-wms-record-"))));
  after(() => rm(scratch, { recursive: true, force: true }));

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`on ${signal}, prints a verdict per call and writes the contract of the conforming ones`, async () => {
      const file = join(scratch, `${signal}.json`);
      const wms = spawnCli(["wms", "--record", file, "--consumer", "staging-erp"]);
      const qimenUrl = new URL((await wms.firstLine).slice(LISTENING_PREFIX.length));
      const urls = { qimenUrl, stateChangeUrl: new URL("/pact/provider-states", qimenUrl) };
      const params = { warehouseCode: "W1", orderCode: "O-1", status: "NEW" };
      await postState(urls, JSON.stringify({ state: "an order exists", params, action: "setup" }));
      const body = encodeCancelRequest({ warehouseCode: "W1", orderCode: "O-1" });
      const call = {
        body,
        appKey: SANDBOX_APP_KEY,
        secret: SANDBOX_SECRET,
        timestamp: formatBeijingTimestamp(new Date()),
      };
      expect((await postQimen(urls, toSearch(signedParams(call)), body)).flag).to.equal("success");
      const lowerCase = signedParams(call).map(([name, value]) => [
        name,
        name === "sign" ? value.toLowerCase() : value,
      ]);
      expect((await postQimen(urls, toSearch(lowerCase as [string, string][]), body)).code).to.equal(
        "sign-check-failure",
      );

      wms.child.kill(signal);
      expect((await wms.exit).code).to.equal(0);
      const lines = wms.stdout().split("\n");
      expect(lines.filter((line) => /^(OK|FAIL)/.test(line))).to.deep.equal([
        "OK   call 1 orderCode O-1 → success",
        "FAIL call 2 orderCode O-1 → failure sign-check-failure | wrong sign: the sign is lower-case hex: Qimen signs are upper-case",
      ]);
      expect(lines).to.include(`Wrote the contract to ${file}`);
      const contract = JSON.parse(await readFile(file, "utf8")) as {
        consumer: unknown;
        interactions: { description: string }[];
      };
      expect(contract.consumer).to.deep.equal({ name: "staging-erp" });
      expect(contract.interactions.map(({ description }) => description)).to.deep.equal([
        "a cancel of a NEW order with only the required fields: success",
      ]);
    });
  }

  it("refuses --record without --consumer, and --consumer without --record (exit 2)", async () => {
    for (const args of [
      ["--record", join(scratch, "x.json")],
      ["--consumer", "x"],
    ]) {
      const run = await runCli(["wms", ...args]);
      expect(run.exitCode, run.stderr).to.equal(2);
      expect(run.stderr).to.match(/--record needs --consumer|go with --record/);
    }
  });
});
