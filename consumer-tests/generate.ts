import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { secretCanaries } from "./canary.js";
import { CONTRACT_FILE_NAME, CONTRACTS_DIR } from "./contract.js";
import { INTERACTIONS } from "./interactions.js";
import { startContractRecording } from "./contract-recording.js";
import type { PactLogLevel, RecordOptions } from "./record-interaction.js";

export interface WriteContractsOptions extends Partial<RecordOptions> {
  readonly logLevel?: PactLogLevel;
}

/**
 * Runs every interaction against Pact's mock server, each driving the real ERP client, and writes
 * the contract to `{dir}/qimen-erp-qimen-wms.json`. The run records into a fresh temporary directory
 * (renamed or removed interactions cannot linger), merges the recordings once (contract-recording.ts),
 * then moves the file into place atomically: readers see the old contract or the new one, never half.
 * Resolves with the written path.
 */
export async function writeContracts(dir: string, options: WriteContractsOptions = {}): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), "qimen-pact-contract-"));
  try {
    const { logLevel, ...secrets } = options;
    const recording = startContractRecording(scratch, logLevel);
    const record = { ...secretCanaries(), ...secrets };
    for (const spec of INTERACTIONS) await recording.record(spec, record);
    return await publishAtomically(await recording.writeContract(scratch), dir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Copies a contract into `dir` under its own name via a temporary file and a rename. */
export async function publishAtomically(contract: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, CONTRACT_FILE_NAME);
  // Same directory as the target, so the rename cannot cross file systems.
  const partial = join(dir, `.${CONTRACT_FILE_NAME}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(partial, await readFile(contract));
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  return target;
}

const LOG_LEVELS: readonly string[] = ["trace", "debug", "info", "warn", "error"] satisfies PactLogLevel[];

/** `tsx consumer-tests/generate.ts [--dir DIR] [--log-level LEVEL]`: rewrites the contract; exit 0, 1 or 2. */
async function main(argv: readonly string[]): Promise<number> {
  let values: { dir: string; "log-level": string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: { dir: { type: "string", default: CONTRACTS_DIR }, "log-level": { type: "string", default: "warn" } },
    }));
    if (!LOG_LEVELS.includes(values["log-level"])) {
      throw new RangeError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${values["log-level"]}`);
    }
  } catch (error) {
    process.stderr.write(
      `${(error as Error).message}\nusage: tsx consumer-tests/generate.ts [--dir DIR] [--log-level LEVEL]\n`,
    );
    return 2;
  }
  try {
    const written = await writeContracts(resolve(values.dir), { logLevel: values["log-level"] as PactLogLevel });
    process.stdout.write(`wrote ${written}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`contract not written: ${(error as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
