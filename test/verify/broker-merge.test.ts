import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { startFakeBroker, type FakeBroker, type FakePact } from "../support/fake-broker.js";
import { runCli } from "../support/fake-io.js";
import { brokerServedContract } from "./fixtures.js";

/*
 * A CI matrix against a Pact Broker: each machine verifies a part of the broker's pacts with
 * `verify --shard K/N`, and one job merges the parts and publishes the whole verification. A
 * merge is published only as the verification of exactly the pacts the broker selects, for the
 * version the parts were verified as.
 */

const TOKEN = "t0ken-0f-the-wms-team";
const SERVED = await brokerServedContract();
const ENV = { QIMEN_SECRET: SANDBOX_SECRET, PACT_BROKER_TOKEN: TOKEN };

function pact(content: Readonly<Record<string, unknown>> = SERVED): FakePact {
  return { consumer: "qimen-erp", content, shortDescription: "latest from main branch of qimen-erp" };
}

/** The results the broker was sent, each as its success and its interactions' successes. */
function publishedResults(broker: FakeBroker): unknown[] {
  return broker.requests
    .filter(({ method, path }) => method === "POST" && path.endsWith("/verification-results"))
    .map(({ json }) => {
      const body = json as {
        success: boolean;
        providerApplicationVersion: string;
        testResults: { success: boolean }[];
      };
      return [body.success, body.providerApplicationVersion, body.testResults.map(({ success }) => success)];
    });
}

describe("qimen-pact verify --shard K/N from a Pact Broker, then report merge --publish", () => {
  let dir: string;
  let wms: { qimenUrl: URL; stateChangeUrl: URL; close: () => Promise<void> };
  let broker: FakeBroker;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-broker-merge-"));
    const sandbox = createSandboxWms({ log: () => {} });
    wms = { ...(await sandbox.listen()), close: () => sandbox.close() };
    broker = await startFakeBroker({ pacts: [pact()], authorization: `Bearer ${TOKEN}` });
    for (const shard of ["1/2", "2/2"]) {
      const part = await runCli(
        [
          "verify",
          ...["--provider-base-url", wms.qimenUrl.href, "--state-change-url", wms.stateChangeUrl.href],
          ...["--app-key", SANDBOX_APP_KEY, "--jobs", "1", "--broker-url", broker.url, "--provider", "qimen-wms"],
          ...["--shard", shard, "--provider-version", "1.2.3", "--json", join(dir, `part-${shard[0]}.json`)],
        ],
        ENV,
      );
      expect(part.exitCode, part.stderr).to.equal(0);
    }
  });
  after(async () => {
    await broker.close();
    await wms.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => broker.clear());

  const merge = (server: FakeBroker, ...more: string[]) =>
    runCli(
      [
        "report",
        "merge",
        join(dir, "part-1.json"),
        join(dir, "part-2.json"),
        ...["--broker-url", server.url, "--provider", "qimen-wms", "--publish", ...more],
      ],
      ENV,
    );

  it("publishes one result for the pact, with every interaction's, as the version the parts were verified as", async () => {
    const merged = await merge(broker, "--provider-version", "1.2.3", "--provider-branch", "main");
    expect({ exitCode: merged.exitCode, stderr: merged.stderr }).to.deep.equal({ exitCode: 0, stderr: "" });
    expect(publishedResults(broker)).to.deep.equal([[true, "1.2.3", SERVED.interactions.map(() => true)]]);
    expect(broker.requests.map(({ method, path }) => `${method} ${path}`)).to.include(
      "PUT /pacticipants/qimen-wms/branches/main/versions/1.2.3",
    );
    expect(merged.stdout).not.to.include(TOKEN);
  });

  it("publishes nothing, exit 2, for another provider version than the parts'", async () => {
    const merged = await merge(broker, "--provider-version", "9.9.9");
    expect(merged.exitCode).to.equal(2);
    expect(merged.stderr).to.match(
      /--provider-version 9\.9\.9 is not the version the parts were verified as \(1\.2\.3\)/,
    );
    expect(broker.requests).to.deep.equal([]);
  });

  it("publishes nothing, exit 2, when the broker now selects another pact than the parts verified", async () => {
    const interactions = SERVED.interactions.slice(1);
    const changed = await startFakeBroker({
      pacts: [pact({ ...SERVED, interactions })],
      authorization: `Bearer ${TOKEN}`,
    });
    try {
      const merged = await merge(changed, "--provider-version", "1.2.3");
      expect(merged.exitCode).to.equal(2);
      expect(merged.stderr).to.match(
        /the Pact Broker now selects other pacts .* than the parts verified .*: nothing is published; verify again/,
      );
      expect(publishedResults(changed)).to.deep.equal([]);
    } finally {
      await changed.close();
    }
  });

  it("publishes when the broker serves the same pact with other links (an identical republish, another broker address)", async () => {
    // Its twin above: only the content decides, never the broker's _links or URLs.
    const relinked = await startFakeBroker({ pacts: [pact()], authorization: `Bearer ${TOKEN}` });
    try {
      const merged = await merge(relinked, "--provider-version", "1.2.3");
      expect({ exitCode: merged.exitCode, stderr: merged.stderr }).to.deep.equal({ exitCode: 0, stderr: "" });
      expect(publishedResults(relinked)).to.deep.equal([[true, "1.2.3", SERVED.interactions.map(() => true)]]);
    } finally {
      await relinked.close();
    }
  });

  it("refuses verify --shard --publish: a part is never published as a whole verification", async () => {
    const outcome = await runCli(
      [
        "verify",
        ...["--provider-base-url", wms.qimenUrl.href, "--broker-url", broker.url, "--provider", "qimen-wms"],
        ...["--shard", "1/2", "--provider-version", "1.2.3", "--publish"],
      ],
      ENV,
    );
    expect(outcome.exitCode).to.equal(2);
    expect(outcome.stderr).to.match(/--shard verifies a part, which is never published as a whole verification/);
    expect(broker.requests).to.deep.equal([]);
  });
});
