import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Pact participant names: the file is `contracts/qimen-erp-qimen-wms.json`. */
export const CONSUMER = "qimen-erp";
export const PROVIDER = "qimen-wms";
export const CONTRACT_FILE_NAME = `${CONSUMER}-${PROVIDER}.json`;

/** The directory holding package.json, whether this runs from source or compiled under dist/. */
export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const CONTRACTS_DIR = join(PROJECT_ROOT, "contracts");
export const COMMITTED_CONTRACT = join(CONTRACTS_DIR, CONTRACT_FILE_NAME);

/**
 * Marks an interaction that a verifier must deliver with a deliberately wrong signature: in the
 * pact JSON it reads `"comments": { "qimenSignature": "invalid", ... }`. A comment, not a state
 * param, because it is about how the request is delivered, not about what the WMS holds, and
 * Pact tools carry comments through untouched.
 */
export const BAD_SIGNATURE_MARKER = { key: "qimenSignature", value: "invalid" } as const;

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

export function isBadSignatureInteraction(interaction: PactInteraction): boolean {
  return interaction.comments?.[BAD_SIGNATURE_MARKER.key] === BAD_SIGNATURE_MARKER.value;
}

export async function readPactFile(path: string): Promise<PactFile> {
  return JSON.parse(await readFile(path, "utf8")) as PactFile;
}

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}
