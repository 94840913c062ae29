import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../support/fake-io.js";

const PYTHON_ERP = fileURLToPath(new URL("../erps/python_erp.py", import.meta.url));
const ENV = { PATH: process.env["PATH"] };

describe("qimen-pact record: the command", function () {
  this.timeout(30_000);
  let scratch: string;
  before(async () => void (scratch = await mkdtemp(join(tmpdir(), "qimen-pact-record-cli-"))));
  after(() => rm(scratch, { recursive: true, force: true }));

  const USAGE: readonly (readonly [string, readonly string[], RegExp])[] = [
    ["no command", ["record", "--consumer", "e"], /give the test command after --/],
    ["no --consumer", ["record", "--", "true"], /missing --consumer/],
    ["a consumer name with a slash", ["record", "--consumer", "a/b", "--", "true"], /--consumer must be/],
    ["an unknown flag", ["record", "--consumer", "e", "--bogus", "--", "true"], /bogus/],
    [
      "a --faults rule with an unknown fault, naming it",
      ["record", "--consumer", "e", "--faults", "refuse@every=2;hang@every=3", "--", "true"],
      /--faults: "hang@every=3": unknown fault "hang": expected one of read-timeout, .* or delay=MS/,
    ],
    [
      "a --faults rule without @",
      ["record", "--consumer", "e", "--faults", "refuse", "--", "true"],
      /--faults: "refuse": expected FAULT@WHEN/,
    ],
  ];
  for (const [name, argv, says] of USAGE) {
    it(`exits 2 for ${name}`, async () => {
      const run = await runCli(argv, ENV);
      expect(run.exitCode).to.equal(2);
      expect(run.stderr).to.match(says);
    });
  }

  it("exits 1 when the command fails, naming its exit code, and still writes the contract", async () => {
    const run = await runCli(["record", "--consumer", "e", "--out", scratch, "--", "sh", "-c", "echo hi; exit 3"], ENV);
    expect(run.exitCode).to.equal(1);
    expect(run.stdout).to.include("hi\n");
    expect(run.stdout).to.include("qimen-pact record: FAILED: the command failed: exit code 3; every call conformed");
    const contract = JSON.parse(await readFile(join(scratch, "e-qimen-wms.json"), "utf8")) as { interactions: unknown };
    expect(contract.interactions).to.deep.equal([]);
  });

  it("exits 1 when the command cannot be started", async () => {
    const run = await runCli(["record", "--consumer", "e", "--out", scratch, "--", "no-such-erp-command-x"], ENV);
    expect(run.exitCode).to.equal(1);
    expect(run.stdout).to.include("the command could not be started (no-such-erp-command-x: ENOENT)");
  });

  it("holds the documents of --seed before the command runs; refuses a seed it cannot hold (exit 2)", async () => {
    const seed = join(scratch, "seed.json");
    await writeFile(seed, JSON.stringify([{ warehouseCode: "WH-PY-01", orderCode: "PY-SO-9", status: "DELIVERED" }]));
    const env = { ...ENV, ERP_SEEDED: "1" };
    const run = await runCli(
      ["record", "--consumer", "e", "--out", scratch, "--seed", seed, "--", "python3", PYTHON_ERP],
      env,
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include("OK   call 4 orderCode PY-SO-9 → failure order-shipped");
    const bad = join(scratch, "bad-seed.json");
    await writeFile(bad, JSON.stringify([{ warehouseCode: "W1", orderCode: "S-1", status: "LOST" }]));
    const refused = await runCli(["record", "--consumer", "e", "--seed", bad, "--", "true"], ENV);
    expect(refused.exitCode).to.equal(2);
    expect(refused.stderr).to.include(
      '--seed: seed document 1: state "an order exists": param "status" must be one of',
    );
  });

  it("--strict fails a call that only warns; without it the same call passes", async () => {
    // ERP_ORDER_TYPE=PTRK: no spec orderType, a warning only.
    const erp = ["python3", PYTHON_ERP];
    const env = { ...ENV, ERP_ORDER_TYPE: "PTRK" };
    const lenient = await runCli(["record", "--consumer", "e", "--out", scratch, "--", ...erp], env);
    const strict = await runCli(["record", "--consumer", "e", "--out", scratch, "--strict", "--", ...erp], env);
    expect(lenient.exitCode, lenient.stdout).to.equal(0);
    expect(lenient.stdout).to.match(/^WARN call 1 orderCode PY-SO-1 → success \| warning: orderType "PTRK"/m);
    expect(strict.exitCode).to.equal(1);
    expect(strict.stdout).to.match(/^FAIL call 1 orderCode PY-SO-1 → success \| warning: orderType "PTRK"/m);
  });
});
