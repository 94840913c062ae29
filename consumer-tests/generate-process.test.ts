import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { encodeCancelRequest, formatBeijingTimestamp, ORDER_CANCEL_METHOD, signQuery } from "../src/index.js";
import { COMMITTED_CONTRACT, CONTRACT_FILE_NAME, PROJECT_ROOT, type PactFile } from "./contract.js";
import { assertNoDrift } from "./drift.js";
import { outputsLeaking, secretCanaries } from "./canary.js";
import { INTERACTIONS } from "./interactions.js";
import { EXAMPLE_APP_KEY, EXAMPLE_CUSTOMER_ID, FIXED_NOW } from "./record-interaction.js";

const GENERATE = join(PROJECT_ROOT, "consumer-tests/generate.ts");

interface ProcessOutcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runNode(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", ...args],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env["PATH"] ?? "", PACT_DO_NOT_TRACK: "true", ...env },
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : error.code;
        if (typeof exitCode !== "number") reject(error ?? new Error("node did not run"));
        else resolve({ exitCode, stdout, stderr });
      },
    );
  });
}

/*
 * writeContracts as the demo calls it, in a process of its own: with other random secrets it must
 * write the committed contract byte for byte, replace a stale file wholesale, and, with Pact's
 * native core and the client logging at debug level, print neither secret.
 */
describe("writeContracts in a separate process, logging at debug level", function () {
  const secrets = secretCanaries();
  let dir: string;
  let outcome: ProcessOutcome;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-generate-"));
    const committed = JSON.parse(await readFile(COMMITTED_CONTRACT, "utf8")) as PactFile;
    const stale = {
      ...committed,
      interactions: [...committed.interactions, { ...committed.interactions[0], description: "a removed interaction" }],
    };
    await writeFile(join(dir, CONTRACT_FILE_NAME), JSON.stringify(stale));
    const script = [
      `import { writeContracts } from ${JSON.stringify(pathToFileURL(GENERATE).href)};`,
      "const log = (message, details) => console.log(message, JSON.stringify(details));",
      "const { OUT, SECRET, WRONG_SECRET } = process.env;",
      'await writeContracts(OUT, { secret: SECRET, wrongSecret: WRONG_SECRET, logLevel: "debug", logger: { info: log, warn: log } });',
    ].join("\n");
    outcome = await runNode(["--input-type=module", "--eval", script], {
      OUT: dir,
      SECRET: secrets.secret,
      WRONG_SECRET: secrets.wrongSecret,
    });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("replaces a stale contract with exactly the committed bytes, leaving no temporary file", async () => {
    expect(outcome.exitCode, outcome.stderr).to.equal(0);
    expect(await readdir(dir)).to.deep.equal([CONTRACT_FILE_NAME]);
    assertNoDrift(
      await readFile(COMMITTED_CONTRACT, "utf8"),
      await readFile(join(dir, CONTRACT_FILE_NAME), "utf8"),
      COMMITTED_CONTRACT,
    );
  });

  it("logs the signed requests at debug level, yet neither secret (canary)", () => {
    const [first] = INTERACTIONS;
    if (first === undefined) throw new Error("no interactions");
    const sentSign = signQuery(
      {
        method: ORDER_CANCEL_METHOD.long,
        timestamp: formatBeijingTimestamp(FIXED_NOW),
        appKey: EXAMPLE_APP_KEY,
        customerId: EXAMPLE_CUSTOMER_ID,
      },
      encodeCancelRequest(first.request),
      secrets.secret,
    ).sign;
    // The log is verbose enough to leak: it shows the sign the client really sent and its own lines.
    expect(outcome.stdout).to.include(sentSign).and.to.include("order.cancel answered");
    expect(outputsLeaking({ stdout: outcome.stdout, stderr: outcome.stderr }, secrets)).to.deep.equal([]);
  });
});

describe("consumer-tests/generate.ts command line", () => {
  it("rejects an unknown log level with exit 2 and a message naming the choices", async () => {
    const outcome = await runNode([GENERATE, "--log-level", "loud"]);
    expect(outcome.exitCode).to.equal(2);
    expect(outcome.stderr).to.match(/^--log-level must be one of trace, debug, info, warn, error, got loud$/m);
    expect(outcome.stdout).to.equal("");
  });
});
