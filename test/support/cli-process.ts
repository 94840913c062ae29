import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** `qimen-pact` running as a real process, the way a shell runs it: real signals, real pipes. */
export interface CliProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the first complete line on stdout; rejects if the process exits before printing one. */
  readonly firstLine: Promise<string>;
  readonly exit: Promise<ProcessExit>;
  /** What the process printed so far (stdout stops growing once the test destroys the pipe). */
  stdout(): string;
  stderr(): string;
}

export function spawnCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exit = new Promise<ProcessExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
    });
    void exit.then(({ code }) => reject(new Error(`exited ${code} before printing a line: ${stderr}`)));
  });
  // Handled here too: a test that never asks for the first line must not see it as an unhandled rejection.
  firstLine.catch(() => undefined);
  return { child, firstLine, exit, stdout: () => stdout, stderr: () => stderr };
}
