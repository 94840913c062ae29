import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ANSWER_DIALECTS } from "../../src/wms/answer-dialects.js";
import { runCli, type CliOutcome } from "../support/fake-io.js";

/*
 * record's robustness checks against an ERP we did not write in TypeScript (python3, standard
 * library): answer dialects an SDK-like parser copes with and a stricter twin does not, and gateway
 * faults a retrying ERP handles while a naive one is caught.
 */
const PYTHON_ERP = ["python3", fileURLToPath(new URL("../erps/python_erp.py", import.meta.url))];
/** One order per fault kind: PY-SO-1 … PY-SO-7, each hit on its first call only. */
const EVERY_FAULT = ["read-timeout", "connection-timeout", "refuse", "closed", "502", "reset", "delay=30"].map(
  (fault, index) => `${fault}@orderCode=PY-SO-${index + 1}`,
);

interface FaultJson {
  orderCode: string;
  fault: string;
  next: string;
  retries: number[];
  verdict: string;
}

describe("qimen-pact record: the ERP's robustness", function () {
  this.timeout(60_000);
  let scratch: string;
  before(async () => void (scratch = await mkdtemp(join(tmpdir(), "qimen-pact-robust-"))));
  after(() => rm(scratch, { recursive: true, force: true }));

  async function record(name: string, flags: readonly string[], env: Record<string, string> = {}) {
    const dir = join(scratch, name);
    const args = [
      "record",
      "--consumer",
      "py",
      "--out",
      dir,
      "--json",
      join(dir, "r.json"),
      "--junit",
      join(dir, "r.xml"),
    ];
    const run: CliOutcome = await runCli([...args, ...flags, "--", ...PYTHON_ERP], {
      PATH: process.env["PATH"],
      ...env,
    });
    const read = (file: string) => readFile(join(dir, file), "utf8");
    return { ...run, read, contract: () => read("py-qimen-wms.json") };
  }

  describe("--answer-dialects", () => {
    it("an ERP that reads answers as the SDK does passes, and the contract is the one without dialects", async () => {
      const env = { ERP_ORDERS: String(ANSWER_DIALECTS.length) };
      const [plain, dialects] = [await record("plain", [], env), await record("dialects", ["--answer-dialects"], env)];
      expect(dialects.exitCode, dialects.stdout + dialects.stderr).to.equal(0);
      const written = [...dialects.stdout.matchAll(/^OK {3}call \d+ .*\(written as ([a-z0-9-]+)\)$/gm)].map(
        (m) => m[1],
      );
      expect(written.slice(0, ANSWER_DIALECTS.length)).to.deep.equal(ANSWER_DIALECTS.map(({ name }) => name));
      expect(await dialects.contract()).to.equal(await plain.contract());
    });

    it("its twin stricter than the SDK (wants <code>0</code>) fails its own tests under dialects, and passes without", async () => {
      const env = { ERP_PARSER: "strict" };
      const [plain, dialects] = [
        await record("strict-plain", [], env),
        await record("strict", ["--answer-dialects"], env),
      ];
      expect(plain.exitCode, plain.stdout + plain.stderr).to.equal(0);
      expect(dialects.exitCode).to.equal(1);
      expect(dialects.stderr).to.include("FAILED cancel PY-SO-1: expected ('success', '0'), got ('success', '')");
      expect(dialects.stdout).to.include(
        "qimen-pact record: FAILED: the command failed: exit code 1; every call conformed",
      );
    });
  });

  describe("--faults", () => {
    const faultsOf = async (run: Awaited<ReturnType<typeof record>>) =>
      (JSON.parse(await run.read("r.json")) as { faults: FaultJson[] }).faults.map(
        ({ orderCode, fault, next, verdict }) => `${orderCode} ${fault}: ${next}, ${verdict}`,
      );

    it("an ERP that retries handles every fault kind: each order retried once and answered", async () => {
      const run = await record("retrying", ["--faults", EVERY_FAULT.join(";")], { ERP_ORDERS: "7", ERP_RETRY: "1" });
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      expect(await faultsOf(run)).to.deep.equal([
        "PY-SO-1 read-timeout: retried-answered, conforms",
        "PY-SO-2 connection-timeout: retried-answered, conforms",
        "PY-SO-3 refuse: retried-answered, conforms",
        "PY-SO-4 closed: retried-answered, conforms",
        "PY-SO-5 502: retried-answered, conforms",
        "PY-SO-6 reset: retried-answered, conforms",
        // The delayed answer arrived within the ERP's timeout: nothing to retry.
        "PY-SO-7 delay=30: never-retried, conforms",
      ]);
      expect(run.stdout).to.match(
        /^OK {3}fault read-timeout at call 1 orderCode PY-SO-1 \(applied\): retried \(call 2\) and got success \| a correct ERP does: retry/m,
      );
    });

    it("an ERP that never retries is caught: FAIL where a retry is expected, WARN where the order must be checked", async () => {
      const run = await record("naive", ["--faults", EVERY_FAULT.join(";")], { ERP_ORDERS: "7" });
      expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
      expect(await faultsOf(run)).to.deep.equal([
        "PY-SO-1 read-timeout: never-retried, failed",
        "PY-SO-2 connection-timeout: never-retried, failed",
        "PY-SO-3 refuse: never-retried, failed",
        "PY-SO-4 closed: never-retried, warned",
        "PY-SO-5 502: never-retried, warned",
        "PY-SO-6 reset: never-retried, warned",
        "PY-SO-7 delay=30: never-retried, conforms",
      ]);
      expect(run.stdout).to.match(
        /^FAIL fault refuse at call 3 orderCode PY-SO-3 \(not applied\): never retried \| a correct ERP does: retry: the cancel never reached the WMS/m,
      );
      expect(run.stdout).to.include(
        "qimen-pact record: FAILED: the command exited 0; every call conformed; 3 gateway faults not handled as a correct ERP does",
      );
      const junit = await run.read("r.xml");
      expect(junit.match(/<failure message="never retried" type="gateway-fault">/g)).to.have.length(3);
      expect(junit).to.include('<testsuites name="qimen-pact record py" tests="16" failures="3" errors="0">');
    });

    it("under --strict, never checking after an unknown outcome fails too", async () => {
      const spec = "closed@orderCode=PY-SO-1";
      const run = await record("naive-strict", ["--strict", "--faults", spec], { ERP_ORDERS: "1" });
      expect(run.exitCode).to.equal(1);
      expect(await faultsOf(run)).to.deep.equal(["PY-SO-1 closed: never-retried, failed"]);
    });
  });
});
