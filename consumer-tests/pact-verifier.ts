import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The standalone Rust verifier of @pact-foundation/pact-cli: independent of pact-js and of our code. */
const PACT_VERIFIER_BIN = createRequire(import.meta.url).resolve("@pact-foundation/pact-cli/bin/pact-verifier.js");
const VERIFIER_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 5_000;

export interface PactVerifierOptions {
  readonly contractFile: string;
  /** The provider's origin; the contract's request paths are appended to it. */
  readonly providerUrl: URL;
  readonly stateChangeUrl: URL;
  /** Verify only the interactions with exactly these descriptions. */
  readonly descriptions: readonly string[];
}

export interface PactVerifierRun {
  readonly exitCode: number;
  /** stdout and stderr of the verifier. */
  readonly output: string;
  /** The verifier's JSON report, as written. */
  readonly reportText: string;
  readonly report: PactVerifierReport;
}

/** The part of `pact verifier --json` this project reads. */
export interface PactVerifierReport {
  readonly result: boolean;
  readonly interactionResults: readonly { readonly description: string; readonly result: string }[];
}

/** Runs `pact verifier` once and resolves whatever its verdict; rejects only if it could not run. */
export async function runPactVerifier(options: PactVerifierOptions): Promise<PactVerifierRun> {
  const reportDir = await mkdtemp(join(tmpdir(), "qimen-pact-verifier-"));
  try {
    const reportFile = join(reportDir, "report.json");
    const args = [
      PACT_VERIFIER_BIN,
      "--file",
      options.contractFile,
      "--hostname",
      options.providerUrl.hostname,
      "--port",
      options.providerUrl.port,
      "--state-change-url",
      options.stateChangeUrl.href,
      "--filter-description",
      exactAlternation(options.descriptions),
      "--request-timeout",
      String(REQUEST_TIMEOUT_MS),
      "--json",
      reportFile,
      "--no-colour",
    ];
    const { exitCode, output } = await execNode(args);
    const reportText = await readFile(reportFile, "utf8");
    return { exitCode, output, reportText, report: JSON.parse(reportText) as PactVerifierReport };
  } finally {
    await rm(reportDir, { recursive: true, force: true });
  }
}

function execNode(args: readonly string[]): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      // Only what the verifier needs: stray PACT_* variables (PACT_DESCRIPTION, PACT_BROKER_*) would change the run.
      { env: { PATH: process.env["PATH"] ?? "", PACT_DO_NOT_TRACK: "true" }, timeout: VERIFIER_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : error.code;
        if (typeof exitCode !== "number") reject(error ?? new Error("pact verifier did not run"));
        else resolve({ exitCode, output: stdout + stderr });
      },
    );
  });
}

/** `^(?:a|b)$` with every regex metacharacter escaped, for the verifier's Rust regex filter. */
function exactAlternation(values: readonly string[]): string {
  if (values.length === 0) throw new RangeError("give at least one interaction description to verify");
  return `^(?:${values.map((value) => value.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&")).join("|")})$`;
}
