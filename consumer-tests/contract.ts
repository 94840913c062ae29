import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { QIMEN_PROVIDER } from "../src/contract-conventions.js";
import { packageRoot, shippedContractsDir } from "../src/package-paths.js";

/** Pact participant names: the file is `contracts/qimen-erp-qimen-wms.json`. */
export const CONSUMER = "qimen-erp";
export const PROVIDER = QIMEN_PROVIDER;
export const CONTRACT_FILE_NAME = `${CONSUMER}-${PROVIDER}.json`;

/** The directory holding qimen-pact's package.json, whether this runs from source or compiled under dist/. */
export const PROJECT_ROOT = packageRoot();
/** Where the contract is committed and shipped: what `verify` checks WMSs against by default. */
export const CONTRACTS_DIR = shippedContractsDir();
export const COMMITTED_CONTRACT = join(CONTRACTS_DIR, CONTRACT_FILE_NAME);

/** The parts of a Pact V4 file this project reads. */
export interface PactFile {
  readonly consumer: { readonly name: string };
  readonly provider: { readonly name: string };
  readonly interactions: readonly PactInteraction[];
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface PactInteraction {
  readonly description: string;
  readonly providerStates?: readonly { readonly name: string; readonly params?: Readonly<Record<string, unknown>> }[];
  readonly comments?: Readonly<Record<string, unknown>>;
  readonly request: PactHttpPart & {
    readonly method: string;
    readonly path: string;
    readonly query?: Readonly<Record<string, readonly string[]>>;
  };
  readonly response: PactHttpPart & { readonly status: number };
}

export interface PactHttpPart {
  readonly headers?: Readonly<Record<string, readonly string[]>>;
  readonly body?: { readonly content: string; readonly contentType: string };
  readonly matchingRules?: Readonly<Record<string, unknown>>;
}

export async function readPactFile(path: string): Promise<PactFile> {
  return JSON.parse(await readFile(path, "utf8")) as PactFile;
}
