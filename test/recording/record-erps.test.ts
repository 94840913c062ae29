import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RECORD_APP_KEY } from "../../cli/record-command.js";
import { runPactVerifier } from "../../consumer-tests/pact-verifier.js";
import { loadContracts } from "../../provider-verify/contracts.js";
import { verifyProvider } from "../../provider-verify/verify-provider.js";
import { EXAMPLE_NOW } from "../../src/contract-conventions.js";
import { RECORDING_PATH } from "../../src/recording/recorder.js";
import { createSandboxWms, type SandboxWms } from "../../src/wms/sandbox.js";
import { runCli, type CliOutcome } from "../support/fake-io.js";

/*
 * The proof of `qimen-pact record`: two ERPs that are not TypeScript and share no code with src/
 * (python3 standard library; sh + curl + openssl), each signing from the spec, record contracts that
 * verify against the sandbox with qimen-pact verify and with Pact's own Rust verifier; their broken
 * twins fail with the right reason in the console and in JUnit.
 */
const ERPS = {
  python: ["python3", fileURLToPath(new URL("../erps/python_erp.py", import.meta.url))],
  shell: ["sh", fileURLToPath(new URL("../erps/curl_erp.sh", import.meta.url))],
} as const;

/** Each way of breaking the calls, and what record must say about the first call. */
const BROKEN: readonly (readonly [string, string])[] = [
  ["utc", "8 hours behind: the ERP's clock is formatted in UTC"],
  ["lower-sign", "the sign is lower-case hex"],
  ["body-changed", "the body was changed after signing"],
  ["gbk", "sent re-encoded as GBK"],
  ["missing-order-code", "missing the required field <orderCode>"],
  ["hmac", 'sign_method "hmac" is refused'],
];

describe("qimen-pact record: ERPs in other languages", function () {
  this.timeout(60_000);
  let scratch: string;
  const secret = "record-test-secret-5b1e";

  before(async () => void (scratch = await mkdtemp(join(tmpdir(), "qimen-pact-record-"))));
  after(() => rm(scratch, { recursive: true, force: true }));

  async function record(erp: keyof typeof ERPS, name: string, erpBreak = ""): Promise<CliOutcome & { dir: string }> {
    const dir = join(scratch, name);
    const args = ["record", "--consumer", `${erp}-erp`, "--out", dir, "--secret", secret];
    const reports = ["--junit", join(dir, "record.xml"), "--json", join(dir, "record.json")];
    const env = { PATH: process.env["PATH"], ...(erpBreak === "" ? {} : { ERP_BREAK: erpBreak }) };
    return { ...(await runCli([...args, ...reports, "--", ...ERPS[erp]], env)), dir };
  }

  async function withSandbox<T>(
    verifySignatures: boolean,
    use: (sandbox: SandboxWms, urls: { qimenUrl: URL; stateChangeUrl: URL }) => Promise<T>,
  ) {
    const sandbox = createSandboxWms({
      credentials: { [RECORD_APP_KEY]: "verifier-secret" },
      path: RECORDING_PATH,
      verifySignatures,
      ...(verifySignatures ? {} : { now: () => EXAMPLE_NOW }),
    });
    try {
      return await use(sandbox, await sandbox.listen());
    } finally {
      await sandbox.close();
    }
  }

  for (const erp of Object.keys(ERPS) as (keyof typeof ERPS)[]) {
    describe(`the ${erp} ERP`, () => {
      let contractFile: string;
      let recorded: CliOutcome;

      before(async () => {
        const run = await record(erp, `${erp}-good`);
        recorded = run;
        contractFile = join(run.dir, `${erp}-erp-qimen-wms.json`);
      });

      it("passes: exit 0, every call OK, no secret in the console, contract or reports", async () => {
        expect(recorded.exitCode, recorded.stdout + recorded.stderr).to.equal(0);
        const lines = recorded.stdout.split("\n").filter((line) => /^(OK|WARN|FAIL)/.test(line));
        expect(lines.length).to.be.greaterThan(2);
        expect(lines.every((line) => line.startsWith("OK "))).to.equal(true);
        const written = await Promise.all(
          ["record.xml", "record.json", `${erp}-erp-qimen-wms.json`].map((file) =>
            readFile(join(scratch, `${erp}-good`, file), "utf8"),
          ),
        );
        expect([recorded.stdout, recorded.stderr, ...written].some((text) => text.includes(secret))).to.equal(false);
      });

      it("writes the same contract byte for byte on a second run", async () => {
        const again = await record(erp, `${erp}-again`);
        expect(again.exitCode).to.equal(0);
        expect(await readFile(join(again.dir, `${erp}-erp-qimen-wms.json`), "utf8")).to.equal(
          await readFile(contractFile, "utf8"),
        );
      });

      it("verifies against the sandbox with qimen-pact verify", async () => {
        const report = await withSandbox(true, (_, urls) =>
          loadContracts([contractFile]).then((contracts) =>
            verifyProvider({
              contracts,
              providerUrl: urls.qimenUrl,
              stateChangeUrl: urls.stateChangeUrl,
              secret: "verifier-secret",
              jobs: 1,
            }),
          ),
        );
        expect(report.interactions.map(({ description, verdict }) => ({ description, verdict }))).to.deep.equal(
          report.interactions.map(({ description }) => ({ description, verdict: "passed" })),
        );
        expect(report.summary.total).to.be.greaterThan(1);
      });

      it("verifies against the sandbox with the Rust pact verifier", async () => {
        const contract = JSON.parse(await readFile(contractFile, "utf8")) as {
          interactions: { description: string }[];
        };
        const descriptions = contract.interactions.map(({ description }) => description);
        const run = await withSandbox(false, (_, urls) =>
          runPactVerifier({
            contractFile,
            providerUrl: new URL(urls.qimenUrl.origin),
            stateChangeUrl: urls.stateChangeUrl,
            descriptions,
          }),
        );
        expect(
          run.report.interactionResults.map(({ result }) => result),
          run.output,
        ).to.deep.equal(descriptions.map(() => "OK"));
        expect(run.exitCode).to.equal(0);
      });

      for (const [mode, reason] of BROKEN) {
        it(`fails its broken twin (${mode}), saying "${reason}" in the console and in JUnit`, async () => {
          const run = await record(erp, `${erp}-${mode}`, mode);
          expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
          const first = run.stdout.split("\n").find((line) => line.startsWith("FAIL call 1 "));
          expect(first, run.stdout).to.include(reason);
          expect(run.stdout).to.include("qimen-pact record: FAILED: the command exited 0;");
          const junit = await readFile(join(run.dir, "record.xml"), "utf8");
          expect(junit).to.match(/<testcase name="call 1 [^>]*>\s*<failure /);
          expect(junit).to.include(reason.replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;"));
          const contract = JSON.parse(await readFile(join(run.dir, `${erp}-erp-qimen-wms.json`), "utf8")) as {
            interactions: unknown[];
          };
          expect(contract.interactions).to.deep.equal([]);
        });
      }
    });
  }
});
