import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The package that ships Pact's official Rust CLI (`pact broker …`). */
const PACT_CLI_PACKAGE = "@pact-foundation/pact-cli";

/**
 * The `pact` bin of @pact-foundation/pact-cli, found through the package's public manifest (its
 * `bin` field) rather than a path inside it, so a new layout of the package cannot break it.
 */
export function pactCliBin(): string {
  const manifest = createRequire(import.meta.url).resolve(`${PACT_CLI_PACKAGE}/package.json`);
  const { bin } = JSON.parse(readFileSync(manifest, "utf8")) as { bin?: Record<string, string> };
  const pact = bin?.["pact"];
  if (pact === undefined) throw new Error(`${PACT_CLI_PACKAGE} has no "pact" bin in ${manifest}`);
  return join(dirname(manifest), pact);
}

/** Where the CLI's output goes, a line at a time. */
export interface PactCliOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs `pact <argv…>` with exactly `env`; resolves to its exit code. The seam tests replace. */
export type PactCliRunner = (
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  output: PactCliOutput,
) => Promise<number>;

/** Runs the official CLI's bin with this Node; rejects only when it could not be started. */
export const runPactCli: PactCliRunner = (argv, env, output) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pactCliBin(), ...argv], { env, stdio: ["ignore", "pipe", "pipe"] });
    const flushOut = forwardLines(child.stdout, output.stdout);
    const flushErr = forwardLines(child.stderr, output.stderr);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      flushOut();
      flushErr();
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });

/**
 * Hands on whole lines only, so that whatever the caller masks in them (a token) is never split
 * between two chunks; returns the function that hands on the unfinished last line.
 */
function forwardLines(stream: NodeJS.ReadableStream, write: (text: string) => void): () => void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    const end = pending.lastIndexOf("\n") + 1;
    if (end === 0) return;
    write(pending.slice(0, end));
    pending = pending.slice(end);
  });
  return () => {
    if (pending !== "") write(pending);
    pending = "";
  };
}
