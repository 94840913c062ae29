import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { CliIo } from "../../cli/command.js";
import { run } from "../../cli/main.js";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET, type SandboxWmsOptions } from "../../src/wms/sandbox.js";
import type { VerificationReport } from "../../provider-verify/results.js";
import { computeSign } from "../../src/protocol/signing.js";
import { writeXmlDocument } from "../../src/protocol/xml-writer.js";
import { runCli, type CliOutcome } from "../support/fake-io.js";
import { everySpelling } from "../support/spellings.js";
import { deadEndpoint, neverAnswer, startLoopbackServer } from "../support/loopback-server.js";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { DESCRIPTIONS, writeContractSubset } from "./fixtures.js";
import { startDyingProvider, startFullBacklogProvider } from "./unreachable-providers.js";
import { startVariant, xmlAnswer } from "./wms-variants.js";
import { probeCatalogue } from "../../provider-verify/probe/catalogue.js";

const CONTRACT_DESCRIPTIONS = (
  JSON.parse(await readFile(COMMITTED_CONTRACT, "utf8")) as { interactions: { description: string }[] }
).interactions.map((interaction) => interaction.description);

/** The interactions a console report lists, as `PASS|FAIL description`. */
function verdictLines(stdout: string): string[] {
  return [...stdout.matchAll(/^(PASS|FAIL) {2}(.*?)(?: {2}\[.*\])? {2}\d+ ms$/gm)].map(
    ([, verdict, description]) => `${verdict} ${description}`,
  );
}

/** The reasons a console report gives under its failures, as `where: message`, without their indent. */
function reasonLines(stdout: string): string[] {
  return [...stdout.matchAll(/^ {6}(?!state: |answer: |note: )(.*)$/gm)].map(([, line]) => line ?? "");
}

/** The `verify` command line against a provider (and its state-change URL, if any) and a contract, then more flags. */
function verifyArgs(
  target: { readonly provider: string; readonly states?: string; readonly contract?: string },
  ...more: string[]
): string[] {
  return [
    "verify",
    ...["--provider-base-url", target.provider],
    ...(target.states === undefined ? [] : ["--state-change-url", target.states]),
    ...["--contracts", target.contract ?? COMMITTED_CONTRACT],
    ...more,
  ];
}

/** What a run printed and the report files it wrote, as one text to search for what must never show. */
async function everythingShown(result: CliOutcome, ...files: string[]): Promise<string> {
  const written = await Promise.all(files.map((file) => readFile(file, "utf8")));
  return [result.stdout, result.stderr, ...written].join("\n");
}

/** A sandbox WMS on a loopback port whose request log the test reads. */
async function startSandbox(options: SandboxWmsOptions = {}) {
  const log: string[] = [];
  const sandbox = createSandboxWms({ ...options, log: (line) => log.push(line) });
  const urls = await sandbox.listen();
  return { ...urls, log, close: () => sandbox.close() };
}

describe("qimen-pact verify (end to end)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-verify-test-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("against the sandbox WMS", () => {
    let sandbox: Awaited<ReturnType<typeof startSandbox>>;
    beforeEach(async () => {
      sandbox = await startSandbox();
    });
    afterEach(async () => {
      await sandbox.close();
    });

    it("passes every interaction, exits 0 and writes JUnit and JSON reports of them", async () => {
      const junit = join(dir, "verify.xml");
      const json = join(dir, "verify.json");
      const result = await runCli(
        verifyArgs(
          { provider: sandbox.qimenUrl.href, states: sandbox.stateChangeUrl.href },
          ...["--app-key", SANDBOX_APP_KEY, "--junit", junit, "--json", json],
        ),
        { QIMEN_SECRET: SANDBOX_SECRET },
      );
      expect({ exitCode: result.exitCode, stderr: result.stderr }).to.deep.equal({ exitCode: 0, stderr: "" });
      expect(verdictLines(result.stdout)).to.deep.equal(
        CONTRACT_DESCRIPTIONS.map((description) => `PASS ${description}`),
      );
      expect(result.stdout).to.match(/^7 interactions: 7 passed, 0 failed \(\d+\.\d s\)\. PASSED$/m);

      const report = JSON.parse(await readFile(json, "utf8")) as {
        summary: unknown;
        interactions: { verdict: string }[];
      };
      expect(report.summary).to.deep.equal({ total: 7, passed: 7, failed: 0 });
      const xml = await readFile(junit, "utf8");
      expect(XMLValidator.validate(xml)).to.equal(true);
      const suite = (
        new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "testcase" }).parse(xml) as {
          testsuites: { testsuite: { "@_tests": string; "@_failures": string; testcase: { failure?: unknown }[] } };
        }
      ).testsuites.testsuite;
      expect([
        suite["@_tests"],
        suite["@_failures"],
        suite.testcase.filter((c) => c.failure !== undefined).length,
      ]).to.deep.equal(["7", "0", 0]);
    });

    it("delivers as the gateway does: method order.cancel, fresh signed calls, one state setup and teardown each", async () => {
      const result = await runCli(
        verifyArgs({ provider: sandbox.qimenUrl.href, states: sandbox.stateChangeUrl.href }),
        {
          QIMEN_SECRET: SANDBOX_SECRET,
          QIMEN_APP_KEY: SANDBOX_APP_KEY,
        },
      );
      expect(result.exitCode).to.equal(0);
      const calls = sandbox.log.filter((line) => line.startsWith("call=qimen"));
      expect(calls.map((line) => /method=(\S+)/.exec(line)?.[1])).to.deep.equal(
        CONTRACT_DESCRIPTIONS.map(() => "order.cancel"),
      );
      // Only the interaction marked bad-signature is rejected, for its sign.
      expect(calls.filter((line) => line.includes("verdict=failure code=sign-check-failure"))).to.have.length(1);
      const states = sandbox.log
        .filter((line) => line.startsWith("call=state"))
        .map((line) => /action=(\w+)/.exec(line)?.[1]);
      expect(states).to.deep.equal(CONTRACT_DESCRIPTIONS.flatMap(() => ["setup", "teardown"]));
    });

    it("verifies interactions without provider states with no state-change URL at all", async () => {
      const contract = await writeContractSubset(
        dir,
        [DESCRIPTIONS.UNKNOWN_ORDER],
        ({ providerStates: _states, ...interaction }) => interaction,
      );
      const result = await runCli(
        verifyArgs({ provider: sandbox.qimenUrl.href, contract }, "--app-key", SANDBOX_APP_KEY),
        {
          QIMEN_SECRET: SANDBOX_SECRET,
        },
      );
      expect({ exitCode: result.exitCode, lines: verdictLines(result.stdout) }).to.deep.equal({
        exitCode: 0,
        lines: [`PASS ${DESCRIPTIONS.UNKNOWN_ORDER}`],
      });
      expect(sandbox.log.map((line) => line.split(" ")[0])).to.deep.equal(["call=qimen"]);
    });

    it("fails an interaction whose provider state the WMS cannot set, loudly and without calling the WMS", async () => {
      const contract = await writeContractSubset(dir, [DESCRIPTIONS.NEW, DESCRIPTIONS.CANCELED], (interaction) =>
        interaction["description"] === DESCRIPTIONS.NEW
          ? { ...interaction, providerStates: [{ name: "an order is on hold", params: { orderCode: "SO-HOLD-1" } }] }
          : interaction,
      );
      const result = await runCli(
        verifyArgs({ provider: sandbox.qimenUrl.href, states: sandbox.stateChangeUrl.href, contract }),
        { QIMEN_SECRET: SANDBOX_SECRET, QIMEN_APP_KEY: SANDBOX_APP_KEY },
      );
      expect(result.exitCode).to.equal(1);
      expect(verdictLines(result.stdout)).to.deep.equal([`FAIL ${DESCRIPTIONS.NEW}`, `PASS ${DESCRIPTIONS.CANCELED}`]);
      expect(result.stdout).to.match(
        /^ {6}state "an order is on hold": http:\/\/127\.0\.0\.1:\d+\/pact\/provider-states answered HTTP 400: .*an order is on hold/m,
      );
      expect(sandbox.log.filter((line) => line.startsWith("call=qimen"))).to.have.length(1);
    });
  });

  it("fails the failures the contract expects when the WMS refuses the signature of every call (a wrong --secret), and says so", async () => {
    const sandbox = await startSandbox();
    try {
      const contract = await writeContractSubset(dir, [
        DESCRIPTIONS.DELIVERED,
        DESCRIPTIONS.UNKNOWN_ORDER,
        DESCRIPTIONS.WRONG_SIGN,
      ]);
      const result = await runCli(
        verifyArgs({ provider: sandbox.qimenUrl.href, states: sandbox.stateChangeUrl.href, contract }),
        { QIMEN_SECRET: `not-${SANDBOX_SECRET}`, QIMEN_APP_KEY: SANDBOX_APP_KEY },
      );
      expect({ exitCode: result.exitCode, lines: verdictLines(result.stdout) }).to.deep.equal({
        exitCode: 1,
        lines: [
          `FAIL ${DESCRIPTIONS.DELIVERED}`,
          `FAIL ${DESCRIPTIONS.UNKNOWN_ORDER}`,
          `PASS ${DESCRIPTIONS.WRONG_SIGN}`,
        ],
      });
      expect(
        result.stdout.match(/^ {6}provider: the WMS refused the signature \(sign-check-failure\).*$/gm),
      ).to.have.length(2);
      expect(result.stdout).to.match(
        /^The WMS refused the signature of every call: --secret \(or QIMEN_SECRET\) and --app-key \(or QIMEN_APP_KEY\) must be the ones it checks signs with\.\n3 interactions: 1 passed, 2 failed/m,
      );
    } finally {
      await sandbox.close();
    }
  });

  it("delivers to the exact provider URL, path included, with the app key, customer id and secret from the environment", async () => {
    const secret = `secret-${randomBytes(8).toString("hex")}`;
    const sandbox = await startSandbox({
      path: "/erp/api/qimen/v2",
      credentials: { "wms-app": secret },
      customerId: "C-42",
    });
    try {
      const contract = await writeContractSubset(dir, [DESCRIPTIONS.NEW, DESCRIPTIONS.EVERY_FIELD]);
      const result = await runCli(
        verifyArgs(
          { provider: sandbox.qimenUrl.href, states: sandbox.stateChangeUrl.href, contract },
          ...["--method-name", "long"],
        ),
        { QIMEN_SECRET: secret, QIMEN_APP_KEY: "wms-app", QIMEN_CUSTOMER_ID: "C-42" },
      );
      expect(verdictLines(result.stdout)).to.deep.equal([
        `PASS ${DESCRIPTIONS.NEW}`,
        `PASS ${DESCRIPTIONS.EVERY_FIELD}`,
      ]);
      expect(result.exitCode).to.equal(0);
      const methods = sandbox.log
        .filter((line) => line.startsWith("call=qimen"))
        .map((line) => /method=(\S+)/.exec(line)?.[1]);
      expect(methods).to.deep.equal(["taobao.qimen.order.cancel", "taobao.qimen.order.cancel"]);
    } finally {
      await sandbox.close();
    }
  });

  it("fails fast, in one line, when the provider refuses connections", async () => {
    const sandbox = await startSandbox();
    try {
      const provider = await deadEndpoint();
      const started = performance.now();
      const result = await runCli(verifyArgs({ provider, states: sandbox.stateChangeUrl.href }), {
        QIMEN_SECRET: SANDBOX_SECRET,
      });
      // Far below the 10 s default timeout: nothing waited for a single call.
      expect(performance.now() - started).to.be.below(5_000);
      expect(result.exitCode).to.equal(1);
      expect(result.stdout).to.match(
        /^Provider unreachable: 127\.0\.0\.1:\d+: connection refused or host not reachable \(ECONNREFUSED\)$/m,
      );
      expect(verdictLines(result.stdout)).to.deep.equal(
        CONTRACT_DESCRIPTIONS.map((description) => `FAIL ${description}`),
      );
      expect(sandbox.log).to.deep.equal([]);
    } finally {
      await sandbox.close();
    }
  });

  it("fails the first call with the refusal, and attempts no other, when the provider dies after the reachability check", async () => {
    const sandbox = await startSandbox();
    const dying = await startDyingProvider();
    try {
      const contract = await writeContractSubset(dir, [
        DESCRIPTIONS.NEW,
        DESCRIPTIONS.DELIVERED,
        DESCRIPTIONS.CANCELED,
      ]);
      // One worker: the calls are then made one after the other, and the first refusal stops the rest.
      const result = await runCli(
        verifyArgs({ provider: dying.endpoint, states: sandbox.stateChangeUrl.href, contract }, "--jobs", "1"),
        { QIMEN_SECRET: SANDBOX_SECRET },
      );
      const refused = `${dying.endpoint}: connection refused or host not reachable (ECONNREFUSED)`;
      expect({
        exitCode: result.exitCode,
        lines: verdictLines(result.stdout),
        reasons: reasonLines(result.stdout),
      }).to.deep.equal({
        exitCode: 1,
        lines: [`FAIL ${DESCRIPTIONS.NEW}`, `FAIL ${DESCRIPTIONS.DELIVERED}`, `FAIL ${DESCRIPTIONS.CANCELED}`],
        reasons: [
          `provider: ${refused}`,
          ...Array.from(
            { length: 2 },
            () => `provider: not attempted: the provider was unreachable earlier (${refused})`,
          ),
        ],
      });
    } finally {
      await dying.close();
      await sandbox.close();
    }
  });

  describe("a provider whose accept queue is full: a connection never opens", () => {
    const CASES = [
      {
        name: "fails fast, in one line, when the reachability check cannot open a connection within --timeout-ms",
        freeSlots: 0,
        reasons: (endpoint: URL) => {
          const unreachable = `${endpoint.host}: timed out opening a connection after 300 ms`;
          return [`provider: provider unreachable: ${unreachable}`, `provider: provider unreachable: ${unreachable}`];
        },
        unreachable: (endpoint: URL) => `${endpoint.host}: timed out opening a connection after 300 ms`,
      },
      {
        name: "fails the first call with the connect timeout, and attempts no other, when only the reachability check got in",
        freeSlots: 1,
        reasons: (endpoint: URL) => {
          const timedOut = `${endpoint.href}: timed out opening a connection (UND_ERR_CONNECT_TIMEOUT)`;
          return [
            `provider: ${timedOut}`,
            `provider: not attempted: the provider was unreachable earlier (${timedOut})`,
          ];
        },
        unreachable: () => undefined,
      },
    ] as const;
    for (const { name, freeSlots, reasons, unreachable } of CASES) {
      it(name, async () => {
        const sandbox = await startSandbox();
        const blocked = await startFullBacklogProvider({ freeSlots });
        try {
          const contract = await writeContractSubset(dir, [DESCRIPTIONS.NEW, DESCRIPTIONS.DELIVERED]);
          const result = await runCli(
            verifyArgs(
              { provider: blocked.endpoint, states: sandbox.stateChangeUrl.href, contract },
              ...["--timeout-ms", "300", "--jobs", "1"],
            ),
            { QIMEN_SECRET: SANDBOX_SECRET },
          );
          const endpoint = new URL(blocked.endpoint);
          expect({
            exitCode: result.exitCode,
            lines: verdictLines(result.stdout),
            reasons: reasonLines(result.stdout),
            unreachable: /^Provider unreachable: (.*)$/m.exec(result.stdout)?.[1],
          }).to.deep.equal({
            exitCode: 1,
            lines: [`FAIL ${DESCRIPTIONS.NEW}`, `FAIL ${DESCRIPTIONS.DELIVERED}`],
            reasons: reasons(endpoint),
            unreachable: unreachable(endpoint),
          });
        } finally {
          await blocked.close();
          await sandbox.close();
        }
      });
    }
  });

  it("fails an interaction after --timeout-ms when the provider never answers", async () => {
    const sandbox = await startSandbox();
    const silent = await startLoopbackServer(neverAnswer);
    try {
      const contract = await writeContractSubset(dir, [DESCRIPTIONS.NEW]);
      const result = await runCli(
        verifyArgs({ provider: silent.endpoint, states: sandbox.stateChangeUrl.href, contract }, "--timeout-ms", "400"),
        { QIMEN_SECRET: SANDBOX_SECRET },
      );
      expect(result.exitCode).to.equal(1);
      expect(verdictLines(result.stdout)).to.deep.equal([`FAIL ${DESCRIPTIONS.NEW}`]);
      expect(result.stdout).to.match(
        /^ {6}provider: http:\/\/127\.0\.0\.1:\d+\/router\/qimen\/service did not answer within 400 ms$/m,
      );
      expect(silent.received).to.have.length(1);
    } finally {
      await silent.close();
      await sandbox.close();
    }
  });

  it("fails every interaction that needs a state when the state-change URL is unreachable, showing no credential of it", async () => {
    const sandbox = await startSandbox();
    try {
      const dead = new URL(await deadEndpoint());
      const [password, token] = [`pw-${randomBytes(8).toString("hex")}`, `tk-${randomBytes(8).toString("hex")}`];
      const states = `http://wms:${password}@${dead.host}/pact/provider-states?token=${token}`;
      const json = join(dir, "verify.json");
      const result = await runCli(verifyArgs({ provider: sandbox.qimenUrl.href, states }, "--json", json), {
        QIMEN_SECRET: SANDBOX_SECRET,
      });
      expect(result.exitCode).to.equal(1);
      expect(verdictLines(result.stdout)).to.deep.equal(
        CONTRACT_DESCRIPTIONS.map((description) => `FAIL ${description}`),
      );
      expect(
        result.stdout.match(
          /^ {6}state "[^"]+": state-change URL http:\/\/127\.0\.0\.1:\d+\/pact\/provider-states unreachable: .*ECONNREFUSED/gm,
        ),
      ).to.have.length(7);
      const everything = await everythingShown(result, json);
      expect([password, token].filter((credential) => everything.includes(credential))).to.deep.equal([]);
      expect(sandbox.log).to.deep.equal([]);
    } finally {
      await sandbox.close();
    }
  });

  it("never shows the secret, a sign sent or the state-change URL's credentials, even when the WMS echoes them", async () => {
    const secret = `CANARY-${randomBytes(16).toString("hex")}`;
    const [password, token] = [`pw-${randomBytes(8).toString("hex")}`, `tk-${randomBytes(8).toString("hex")}`];
    const signsSent: string[] = [];
    const teardownsEchoed: string[] = [];
    const echoing = await startVariant({
      name: "echoes the call",
      sandbox: { credentials: { "canary-app": secret } },
      alterAnswer: (_answer, call) => {
        signsSent.push(new URLSearchParams(call.search).get("sign") ?? "");
        return xmlAnswer(
          `<response><flag>failure</flag><code>-1</code><message>got ${call.search} for ${secret}</message></response>`,
        );
      },
      // A failed teardown is reported with the endpoint's URL and answer.
      alterStateAnswer: (answer, call) => {
        if (call.action !== "teardown") return answer;
        teardownsEchoed.push(call.search);
        return { status: 500, contentType: "text/plain", body: Buffer.from(`cannot tear down for ${call.search}`) };
      },
    });
    try {
      const contract = await writeContractSubset(dir, [DESCRIPTIONS.NEW, DESCRIPTIONS.WRONG_SIGN]);
      const [junit, json] = [join(dir, "verify.xml"), join(dir, "verify.json")];
      const states = new URL(echoing.stateChangeUrl);
      Object.assign(states, { username: "wms", password, search: `token=${token}` });
      const result = await runCli(
        verifyArgs(
          { provider: echoing.qimenUrl.href, states: states.href, contract },
          ...["--app-key", "canary-app", "--junit", junit, "--json", json],
        ),
        { QIMEN_SECRET: secret },
      );
      expect(result.exitCode).to.equal(1);
      expect(signsSent).to.have.length(2);
      expect(teardownsEchoed).to.deep.equal([`token=${token}`, `token=${token}`]);
      const everything = await everythingShown(result, junit, json);
      expect(everything).to.include("sign=<redacted>");
      expect(everything).to.match(
        /http:\/\/127\.0\.0\.1:\d+\/pact\/provider-states answered HTTP 500: cannot tear down/,
      );
      const shown = [secret, password, token, ...signsSent].filter((value) => everything.includes(value));
      expect(shown).to.deep.equal([]);
    } finally {
      await echoing.close();
    }
  });

  it("never shows the secret or a sign in any spelling the WMS echoes them, nor the right sign of the bad-signature call", async () => {
    const secret = `Canary&<${randomBytes(16).toString("hex")}>`;
    const signs: string[] = [];
    const echoing = await startVariant({
      name: "echoes the secret and the signs, spelled otherwise",
      sandbox: { credentials: { "canary-app": secret } },
      alterAnswer: (_answer, call) => {
        const query = [...new URLSearchParams(call.search)];
        const params = query.filter(([key]) => key !== "sign");
        const sent = query.find(([key]) => key === "sign")?.[1] ?? "";
        const right = computeSign({ params, body: call.body, secret });
        signs.push(sent, right);
        const echoed = [...everySpelling([secret]), sent.toLowerCase(), right, right.toLowerCase()].join(" ");
        return xmlAnswer(writeXmlDocument("response", { flag: "failure", code: "-1", message: echoed }));
      },
    });
    try {
      const contract = await writeContractSubset(dir, [DESCRIPTIONS.NEW, DESCRIPTIONS.WRONG_SIGN]);
      const [junit, json] = [join(dir, "verify.xml"), join(dir, "verify.json")];
      const result = await runCli(
        verifyArgs(
          { provider: echoing.qimenUrl.href, states: echoing.stateChangeUrl.href, contract },
          ...["--app-key", "canary-app", "--junit", junit, "--json", json],
        ),
        { QIMEN_SECRET: secret },
      );
      expect({
        exitCode: result.exitCode,
        calls: signs.length / 2,
        badSignDiffers: signs[2] !== signs[3],
      }).to.deep.equal({ exitCode: 1, calls: 2, badSignDiffers: true });
      const everything = await everythingShown(result, junit, json);
      expect(everything).to.include("<redacted>");
      expect(everySpelling([secret, ...signs]).filter((spelling) => everything.includes(spelling))).to.deep.equal([]);
    } finally {
      await echoing.close();
    }
  });

  it("warns once about a one-character secret and masks it only where it stands alone", async () => {
    const echoing = await startVariant({
      name: "echoes a one-character secret beside words holding its letter",
      sandbox: { credentials: { "short-app": "k" } },
      alterAnswer: () => xmlAnswer(writeXmlDocument("response", { flag: "failure", code: "-1", message: "kept k" })),
    });
    try {
      const contract = await writeContractSubset(dir, [DESCRIPTIONS.NEW]);
      const json = join(dir, "verify.json");
      const result = await runCli(
        verifyArgs(
          { provider: echoing.qimenUrl.href, states: echoing.stateChangeUrl.href, contract },
          ...["--app-key", "short-app", "--json", json],
        ),
        { QIMEN_SECRET: "k" },
      );
      const report = JSON.parse(await readFile(json, "utf8")) as VerificationReport;
      expect({
        exitCode: result.exitCode,
        stderr: result.stderr,
        client: report.interactions[0]?.client,
      }).to.deep.equal({
        exitCode: 1,
        stderr:
          "qimen-pact verify: warning: the secret is only 1 character long, so it cannot be told apart from text: " +
          "it is masked only where it stands alone, and may show inside words the WMS sends\n",
        client: { accepts: true, flag: "failure", code: "-1", message: "kept <redacted>" },
      });
    } finally {
      await echoing.close();
    }
  });

  it("stops at once and exits 1 when interrupted", async () => {
    const sandbox = await startSandbox();
    const controller = new AbortController();
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = {
      stdout: (text) => {
        stdout.push(text);
        if (text.startsWith("PASS")) controller.abort();
      },
      stderr: (text) => void stderr.push(text),
      env: { QIMEN_SECRET: SANDBOX_SECRET, QIMEN_APP_KEY: SANDBOX_APP_KEY },
      signal: controller.signal,
    };
    try {
      const exitCode = await run(
        verifyArgs({ provider: sandbox.qimenUrl.href, states: sandbox.stateChangeUrl.href }),
        io,
      );
      expect({ exitCode, stderr: stderr.join("") }).to.deep.equal({
        exitCode: 1,
        stderr: "qimen-pact verify: interrupted before every interaction was verified\n",
      });
      expect(verdictLines(stdout.join(""))).to.have.length.below(CONTRACT_DESCRIPTIONS.length);
    } finally {
      await sandbox.close();
    }
  });
});

describe("qimen-pact demo", () => {
  it("starts the sandbox on a free port, verifies it against the shipped contract, probes it and exits 0", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qimen-pact-demo-test-"));
    try {
      const json = join(dir, "demo.json");
      const result = await runCli(["demo", "--json", json]);
      expect({ exitCode: result.exitCode, stderr: result.stderr }).to.deep.equal({ exitCode: 0, stderr: "" });
      expect(result.stdout).to.match(/^Sandbox WMS listening on http:\/\/127\.0\.0\.1:\d+\/qimen /);
      const [verified = "", probed = ""] = result.stdout.split("\nGo-live probes (qimen-pact probe):\n");
      expect(verdictLines(verified)).to.deep.equal(CONTRACT_DESCRIPTIONS.map((description) => `PASS ${description}`));
      const probes = probeCatalogue();
      expect(verdictLines(probed)).to.deep.equal(probes.map((probe) => `PASS ${probe.id}  ${probe.severity}`));
      const report = JSON.parse(await readFile(json, "utf8")) as { summary: unknown; contracts: string[] };
      expect({ summary: report.summary, contracts: report.contracts }).to.deep.equal({
        summary: { total: 7, passed: 7, failed: 0 },
        contracts: [COMMITTED_CONTRACT],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
