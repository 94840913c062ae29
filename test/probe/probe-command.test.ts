import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeCatalogue } from "../../provider-verify/probe/catalogue.js";
import { PROBE_WAREHOUSE_CODE, runProbes, type ProbeReport } from "../../provider-verify/probe/probe-run.js";
import { LISTENING_PREFIX } from "../../cli/wms-command.js";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET, type SandboxWmsOptions } from "../../src/wms/sandbox.js";
import { spawnCli } from "../support/cli-process.js";
import { runCli } from "../support/fake-io.js";
import { deadEndpoint } from "../support/loopback-server.js";
import { everySpelling } from "../support/spellings.js";
import { startVariant, type WireAnswer } from "../verify/wms-variants.js";

const CUSTOMER = "probe-customer";
const IDS = probeCatalogue().map((probe) => probe.id);
const ENV = { QIMEN_SECRET: SANDBOX_SECRET, QIMEN_APP_KEY: SANDBOX_APP_KEY, QIMEN_CUSTOMER_ID: CUSTOMER };

function probeArgs(urls: { readonly qimenUrl: URL; readonly stateChangeUrl: URL }, ...more: string[]): string[] {
  return ["probe", "--provider-base-url", urls.qimenUrl.href, "--state-change-url", urls.stateChangeUrl.href, ...more];
}

/** The probes a console report lists, as `VERDICT id`. */
function verdictLines(stdout: string): string[] {
  return [...stdout.matchAll(/^(PASS|FAIL|WARN) {2}(\S+) {2}(?:required|advisory) {2}\d+ ms$/gm)].map(
    ([, verdict, id]) => `${verdict} ${id}`,
  );
}

async function withSandbox<T>(
  options: SandboxWmsOptions,
  use: (urls: { qimenUrl: URL; stateChangeUrl: URL }) => Promise<T>,
) {
  const sandbox = createSandboxWms(options);
  try {
    return await use(await sandbox.listen());
  } finally {
    await sandbox.close();
  }
}

describe("qimen-pact probe", function () {
  this.timeout(60_000);

  it("passes every probe against `qimen-pact wms`, exits 0, one line and one testcase per probe, no secret written", async () => {
    const wms = spawnCli(["wms", "--customer-id", CUSTOMER], {
      QIMEN_SECRET: SANDBOX_SECRET,
      QIMEN_APP_KEY: SANDBOX_APP_KEY,
    });
    const dir = await mkdtemp(join(tmpdir(), "probe-"));
    try {
      const qimenUrl = new URL((await wms.firstLine).slice(LISTENING_PREFIX.length));
      const urls = { qimenUrl, stateChangeUrl: new URL("/pact/provider-states", qimenUrl) };
      const [junit, json] = [join(dir, "probe.xml"), join(dir, "probe.json")];
      const outcome = await runCli(probeArgs(urls, "--strict", "--junit", junit, "--json", json), ENV);
      const report = JSON.parse(await readFile(json, "utf8")) as ProbeReport;
      const written = [outcome.stdout, outcome.stderr, await readFile(junit, "utf8"), await readFile(json, "utf8")];
      expect({
        exitCode: outcome.exitCode,
        lines: verdictLines(outcome.stdout),
        summary: report.summary,
        testcases: (written[2]?.match(/<testcase /g) ?? []).length,
        secretShown: everySpelling([SANDBOX_SECRET]).some((spelling) =>
          written.some((text) => text.includes(spelling)),
        ),
      }).to.deep.equal({
        exitCode: 0,
        lines: IDS.map((id) => `PASS ${id}`),
        summary: { total: IDS.length, passed: IDS.length, failed: 0, warned: 0 },
        testcases: IDS.length,
        secretShown: false,
      });
    } finally {
      wms.child.kill("SIGTERM");
      await wms.exit;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("touches no document it did not seed, even on a WMS that accepts every call", async () => {
    const foreign = { warehouseCode: PROBE_WAREHOUSE_CODE, orderCode: "QPP-ERP-REAL-1", status: "NEW" } as const;
    const sandbox = createSandboxWms({ verifySignatures: false, timestampWindowMs: 24 * 60 * 60_000 });
    sandbox.store.put(foreign);
    const urls = await sandbox.listen();
    try {
      const outcome = await runCli(probeArgs(urls), ENV);
      expect({ exitCode: outcome.exitCode, store: sandbox.store.list() }).to.deep.equal({
        exitCode: 1,
        store: [foreign],
      });
    } finally {
      await sandbox.close();
    }
  });

  it("warns about a failed advisory probe and exits 0; --strict makes it fail with exit 1", async () => {
    await withSandbox({}, async (urls) => {
      const only = ["--only", "identity.other-customer-id,signature.missing"];
      const lenient = await runCli(probeArgs(urls, ...only), ENV);
      const strict = await runCli(probeArgs(urls, ...only, "--strict"), ENV);
      expect(
        [lenient, strict].map((run) => ({ exitCode: run.exitCode, lines: verdictLines(run.stdout) })),
      ).to.deep.equal([
        { exitCode: 0, lines: ["PASS signature.missing", "WARN identity.other-customer-id"] },
        { exitCode: 1, lines: ["PASS signature.missing", "FAIL identity.other-customer-id"] },
      ]);
      expect(lenient.stdout).to.include(
        "Warning: 1 advisory probe failed (shown as WARN); --strict makes them fail the run.",
      );
      expect(strict.stdout).to.include(`got: <flag>success</flag>, code "0"`);
    });
  });

  it("fails the body probes of a WMS answering HTTP 500 with an HTML page to bodies it cannot read", async () => {
    const html = (answer: WireAnswer): WireAnswer =>
      /<code>(xml|field)-/.test(answer.body.toString("utf8"))
        ? {
            status: 500,
            contentType: "text/html",
            body: Buffer.from("<html><body>500 Internal Server Error</body></html>"),
          }
        : answer;
    const wms = await startVariant({ name: "html-500", sandbox: { customerId: CUSTOMER }, alterAnswer: html });
    try {
      const report = await runProbes({
        probes: probeCatalogue(),
        providerUrl: wms.qimenUrl,
        stateChangeUrl: wms.stateChangeUrl,
        appKey: SANDBOX_APP_KEY,
        secret: SANDBOX_SECRET,
        customerId: CUSTOMER,
        timeoutMs: 10_000,
        strict: true,
      });
      const failed = report.results.filter((result) => result.verdict === "failed");
      expect(failed.map((result) => [result.id, result.got])).to.deep.equal(
        IDS.filter((id) => id.startsWith("body.")).map((id) => [
          id,
          "an answer the official SDK cannot read: it is HTTP 500; a Qimen answer is HTTP 200",
        ]),
      );
    } finally {
      await wms.close();
    }
  });

  it("names the valid ids and exits 2 for an unknown --only or --skip id", async () => {
    const outcome = await runCli(["probe", "--list", "--skip", "signature.nope"]);
    expect({ exitCode: outcome.exitCode, names: outcome.stderr.includes(IDS.join(", ")) }).to.deep.equal({
      exitCode: 2,
      names: true,
    });
    expect(outcome.stderr).to.match(/^qimen-pact probe: unknown probe id signature\.nope; the probes are: /);
  });

  it("lists every probe with its severity, what it sends and why", async () => {
    const outcome = await runCli(["probe", "--list"]);
    expect(
      [...outcome.stdout.matchAll(/^(\S+) {2}(required|advisory) {2}expects/gm)].map(([, id]) => id),
    ).to.deep.equal(IDS);
    expect(outcome.stdout.match(/^ {4}sends: \S/gm)?.length).to.equal(IDS.length);
    expect(outcome.stdout.match(/^ {4}why: {3}\S/gm)?.length).to.equal(IDS.length);
  });

  it("ends each probe at --timeout-ms when the WMS stalls mid-answer, and fails it saying so", async () => {
    const stalling = await startVariant({ name: "stalls every answer", fault: () => "stall-mid-answer" });
    try {
      const outcome = await runCli(
        probeArgs(stalling, "--only", "signature.other-secret,signature.missing", "--timeout-ms", "300"),
        ENV,
      );
      expect({ exitCode: outcome.exitCode, verdicts: verdictLines(outcome.stdout) }).to.deep.equal({
        exitCode: 1,
        verdicts: ["FAIL signature.other-secret", "FAIL signature.missing"],
      });
      expect(outcome.stdout.match(/did not finish its answer within 300 ms/g)).to.have.length(2);
    } finally {
      await stalling.close();
    }
  });

  it("fails in one line, exit 1, when the WMS is unreachable", async () => {
    const dead = new URL(await deadEndpoint());
    const outcome = await runCli(probeArgs({ qimenUrl: dead, stateChangeUrl: dead }), ENV);
    expect({ exitCode: outcome.exitCode, lines: verdictLines(outcome.stdout) }).to.deep.equal({
      exitCode: 1,
      lines: [],
    });
    expect(outcome.stdout).to.match(/Provider unreachable: 127\.0\.0\.1:\d+: connection refused/);
  });
});
