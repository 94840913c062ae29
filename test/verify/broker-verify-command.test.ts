import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../consumer-tests/contract.js";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { pactVersion, startFakeBroker, type FakeBroker, type FakePact } from "../support/fake-broker.js";
import { runCli } from "../support/fake-io.js";
import { deadEndpoint } from "../support/loopback-server.js";
import { brokerServedContract } from "./fixtures.js";

const TOKEN = "t0ken-0f-the-wms-team";
const PACKAGE_VERSION = (JSON.parse(await readFile(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string })
  .version;
const SERVED = await brokerServedContract();
const DESCRIPTIONS = SERVED.interactions.map((interaction) => String(interaction["description"]));
const WRONG_SIGN = SERVED.interactions.findIndex((interaction) => interaction["comments"] !== undefined);

function mainPact(overrides: Partial<FakePact> = {}): FakePact {
  return {
    consumer: "qimen-erp",
    content: SERVED,
    shortDescription: "latest from main branch of qimen-erp",
    notices: ["The pact at ... is being verified because it matches the following configured selection criterion"],
    ...overrides,
  };
}

function pactPath(index = 0): string {
  return `/pacts/provider/qimen-wms/consumer/qimen-erp/pact-version/${pactVersion(index)}`;
}

/** verify against a WMS and a broker, credentials in the environment. */
function verify(wms: { qimenUrl: URL; stateChangeUrl: URL }, broker: { url: string }, ...more: string[]): string[] {
  return [
    "verify",
    ...["--provider-base-url", wms.qimenUrl.href, "--state-change-url", wms.stateChangeUrl.href],
    ...["--app-key", SANDBOX_APP_KEY, "--jobs", "1"],
    ...["--broker-url", broker.url, "--provider", "qimen-wms"],
    ...more,
  ];
}

describe("qimen-pact verify --broker-url (recorded broker exchange, sandbox WMS)", () => {
  let wms: { qimenUrl: URL; stateChangeUrl: URL; close: () => Promise<void> };
  let broker: FakeBroker | undefined;
  before(async () => {
    const sandbox = createSandboxWms({ log: () => {} });
    wms = { ...(await sandbox.listen()), close: () => sandbox.close() };
  });
  after(async () => {
    await wms.close();
  });
  afterEach(async () => {
    await broker?.close();
    broker = undefined;
  });

  it("verifies the broker's pact, puts the provider version on its branch and publishes one result with every interaction's", async () => {
    broker = await startFakeBroker({ pacts: [mainPact()], authorization: `Bearer ${TOKEN}` });
    const result = await runCli(
      verify(wms, broker, "--enable-pending", "--provider-version", "1.2.3", "--provider-branch", "main", "--publish"),
      { QIMEN_SECRET: SANDBOX_SECRET, PACT_BROKER_TOKEN: TOKEN },
    );

    expect({ exitCode: result.exitCode, stderr: result.stderr }).to.deep.equal({ exitCode: 0, stderr: "" });
    const published = broker.requests.slice(3);
    expect(
      published.map(({ method, path, headers, json }) => ({ method, path, auth: headers.authorization, json })),
    ).to.deep.equal([
      { method: "GET", path: "/", auth: `Bearer ${TOKEN}`, json: undefined },
      {
        method: "PUT",
        path: "/pacticipants/qimen-wms/branches/main/versions/1.2.3",
        auth: `Bearer ${TOKEN}`,
        json: {},
      },
      {
        method: "POST",
        path: `${pactPath()}/verification-results`,
        auth: `Bearer ${TOKEN}`,
        json: {
          success: true,
          providerApplicationVersion: "1.2.3",
          testResults: DESCRIPTIONS.map((description, index) => ({
            interactionId: `id-${index + 1}`,
            interactionDescription: description,
            success: true,
          })),
          verifiedBy: { implementation: "qimen-pact", version: PACKAGE_VERSION },
        },
      },
    ]);
    expect(broker.requests[1]?.json).to.deep.equal({
      consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
      includePendingStatus: true,
      providerVersionBranch: "main",
    });
    expect(result.stdout).to.include(
      `Pact: latest from main branch of qimen-erp ${broker.url}${pactPath()}\n  The pact at ... is being verified`,
    );
    expect(result.stdout).to.include(
      `Published the verification result of latest from main branch of qimen-erp (success, provider version 1.2.3) to ${broker.url}${pactPath()}/verification-results\n`,
    );
    expect(result.stdout).not.to.include(TOKEN);
  });

  // The same failing WMS (it checks signs with another secret) against a pact the broker calls pending and one it does not.
  const PENDING: readonly { readonly pact: Partial<FakePact>; readonly exitCode: number; readonly summary: RegExp }[] =
    [
      { pact: {}, exitCode: 1, summary: /^7 interactions: 1 passed, 6 failed \(\d+\.\d s\)\. FAILED$/m },
      {
        pact: { pending: true },
        exitCode: 0,
        summary:
          /^7 interactions: 1 passed, 6 failed \(6 in pending pacts, which do not fail the build\) \(\d+\.\d s\)\. PASSED$/m,
      },
      {
        // A broker marks WIP pacts without pending status when --enable-pending is not given.
        pact: { wip: true },
        exitCode: 0,
        summary:
          /^7 interactions: 1 passed, 6 failed \(6 in pending pacts, which do not fail the build\) \(\d+\.\d s\)\. PASSED$/m,
      },
      {
        pact: { pending: true, wip: true },
        exitCode: 0,
        summary:
          /^7 interactions: 1 passed, 6 failed \(6 in pending pacts, which do not fail the build\) \(\d+\.\d s\)\. PASSED$/m,
      },
    ];
  for (const { pact, exitCode, summary } of PENDING) {
    it(`a failing WMS against a ${JSON.stringify(pact)} pact: exit ${exitCode}, and a failed result published with its mismatches`, async () => {
      broker = await startFakeBroker({ pacts: [mainPact(pact)] });
      const result = await runCli(verify(wms, broker, "--provider-version", "2.0.0", "--publish"), {
        QIMEN_SECRET: "not-the-sandbox-secret",
      });

      expect(result.exitCode).to.equal(exitCode);
      expect(result.stdout).to.match(summary);
      const failLabel = pact.pending === true || pact.wip === true ? "FAIL (pending)" : "FAIL";
      expect(result.stdout.split("\n").filter((line) => line.startsWith("FAIL"))).to.have.length(6);
      expect(result.stdout.split("\n").filter((line) => line.startsWith(`${failLabel}  `))).to.have.length(6);
      const body = broker.requests.at(-1)?.json as {
        success: boolean;
        testResults: { interactionId: string; success: boolean; mismatches?: { attribute: string }[] }[];
      };
      expect(broker.requests.at(-1)?.path).to.equal(`${pactPath()}/verification-results`);
      expect(body.success).to.equal(false);
      expect(body.testResults.map((one) => [one.interactionId, one.success])).to.deep.equal(
        DESCRIPTIONS.map((_, index) => [`id-${index + 1}`, index === WRONG_SIGN]),
      );
      const firstFailure = body.testResults.find((one) => !one.success);
      expect(firstFailure?.mismatches?.map((mismatch) => mismatch.attribute)).to.include("body");
    });
  }

  it("a publish the broker forbids: exit 2, naming the credential and what it may not do", async () => {
    broker = await startFakeBroker({
      pacts: [mainPact()],
      forbid: (method, path) => method === "POST" && path.endsWith("/verification-results"),
    });
    const result = await runCli(verify(wms, broker, "--provider-version", "1.2.3", "--publish"), {
      QIMEN_SECRET: SANDBOX_SECRET,
      PACT_BROKER_TOKEN: TOKEN,
    });
    expect({ exitCode: result.exitCode, stderr: result.stderr }).to.deep.equal({
      exitCode: 2,
      stderr: `qimen-pact verify: the Pact Broker accepted the credentials but does not allow them to publish verification results (a read-only token?): POST ${broker.url}${pactPath()}/verification-results answered HTTP 403; PACT_BROKER_TOKEN was sent as a bearer token\n`,
    });
  });
});

describe("qimen-pact verify --broker-url: broker failures before any call to the WMS", () => {
  const WMS = { qimenUrl: new URL("http://127.0.0.1:9/qimen"), stateChangeUrl: new URL("http://127.0.0.1:9/states") };
  const ENV = { QIMEN_SECRET: SANDBOX_SECRET, PACT_BROKER_TOKEN: TOKEN };

  it("an unreachable broker: exit 1, one line", async () => {
    const dead = new URL(await deadEndpoint()).origin;
    const result = await runCli(verify(WMS, { url: dead }), ENV);
    expect(result).to.deep.equal({
      exitCode: 1,
      stdout: "",
      stderr: `qimen-pact verify: the Pact Broker at ${dead} is unreachable: GET ${dead}/: connection refused or host not reachable (ECONNREFUSED)\n`,
    });
  });

  const CASES: readonly {
    readonly name: string;
    readonly broker: Parameters<typeof startFakeBroker>[0];
    readonly args?: readonly string[];
    readonly exitCode: number;
    readonly stderr: string;
  }[] = [
    {
      name: "a refused token: exit 2 naming PACT_BROKER_TOKEN",
      broker: { authorization: "Bearer another" },
      exitCode: 2,
      stderr:
        "qimen-pact verify: the Pact Broker refused the credentials: GET {broker}/ answered HTTP 401; PACT_BROKER_TOKEN was sent as a bearer token\n",
    },
    {
      name: "no pacts for the selectors: exit 1 naming them",
      broker: { pacts: [] },
      args: ["--consumer-version-selectors", '[{"branch":"feat-x"}]'],
      exitCode: 1,
      stderr:
        'qimen-pact verify: the Pact Broker has no pacts for provider "qimen-wms" matching the consumer version selectors [{"branch":"feat-x"}]\n',
    },
    {
      name: "no pacts with --fail-if-no-pacts-found false: exit 0, still said",
      broker: { pacts: [] },
      args: ["--fail-if-no-pacts-found", "false"],
      exitCode: 0,
      stderr:
        'qimen-pact verify: the Pact Broker has no pacts for provider "qimen-wms" matching the consumer version selectors [{"mainBranch":true},{"deployedOrReleased":true}]\n',
    },
    {
      name: "a broker error that echoes the token: exit 1, the token redacted",
      broker: {
        override: (request, response) => {
          if (request.method !== "POST") return false;
          response.writeHead(500, { "content-type": "text/plain" });
          response.end(`boom, you sent ${String(request.headers.authorization)}`);
          return true;
        },
      },
      exitCode: 1,
      stderr:
        "qimen-pact verify: the Pact Broker could not list the pacts to verify: POST {broker}/pacts/provider/qimen-wms/for-verification answered HTTP 500: boom, you sent Bearer <redacted>\n",
    },
  ];
  for (const { name, broker: options, args = [], exitCode, stderr } of CASES) {
    it(name, async () => {
      const broker = await startFakeBroker(options);
      try {
        const result = await runCli([...verify(WMS, broker), ...args], ENV);
        expect({ exitCode: result.exitCode, stderr: result.stderr }).to.deep.equal({
          exitCode,
          stderr: stderr.replaceAll("{broker}", broker.url),
        });
      } finally {
        await broker.close();
      }
    });
  }

  it("a pact that is no Qimen contract: exit 2 naming the interaction and why", async () => {
    const rest = {
      ...SERVED,
      interactions: [
        { ...SERVED.interactions[0], description: "get an order", request: { method: "GET", path: "/orders/1" } },
      ],
    };
    const broker = await startFakeBroker({ pacts: [mainPact({ content: rest })] });
    try {
      const result = await runCli(verify(WMS, broker), ENV);
      expect({ exitCode: result.exitCode, stderr: result.stderr }).to.deep.equal({
        exitCode: 2,
        stderr: `qimen-pact verify: contract ${broker.url}${pactPath()}, interaction 1 ("get an order") is not a Qimen order.cancel call: its request is GET, but the gateway delivers a POST\nRun \`qimen-pact verify --help\` for usage.\n`,
      });
    } finally {
      await broker.close();
    }
  });

  const USAGE: readonly { readonly args: readonly string[]; readonly says: string }[] = [
    { args: ["--publish"], says: "--publish needs --provider-version: results are published for a provider version" },
    { args: ["--contracts", "x.json"], says: "give either --contracts or --broker-url/--provider" },
    { args: ["--consumer-version-selectors", "{}"], says: "--consumer-version-selectors must be a JSON list" },
    { args: ["--consumer-version-selectors", "[{"], says: "--consumer-version-selectors is not JSON" },
    { args: ["--include-wip-pacts-since", "last week"], says: "--include-wip-pacts-since must be a date" },
    { args: ["--fail-if-no-pacts-found", "no"], says: '--fail-if-no-pacts-found must be true or false, got "no"' },
    { args: ["--broker-url", "https://ci:pw@broker.example"], says: "--broker-url must not carry credentials" },
  ];
  for (const { args, says } of USAGE) {
    it(`exit 2 for ${args.join(" ")}`, async () => {
      const result = await runCli([...verify(WMS, { url: "http://127.0.0.1:9" }), ...args], ENV);
      expect(result.exitCode).to.equal(2);
      expect(result.stderr).to.include(says);
      expect(result.stderr).not.to.include("pw@");
    });
  }
});
