import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** `qimen-pact` running as a real process, the way a shell runs it: real signals, real pipes. */
export interface CliProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the first complete line on stdout; rejects if the process exits before printing one. */
  readonly firstLine: Promise<string>;
  /** Resolves once every stdio stream has closed too, so stdout() and stderr() are complete. */
  readonly exit: Promise<ProcessExit>;
  /** Resolves with the first complete stdout line matching; rejects if the process exits without printing one. */
  line(predicate: (line: string) => boolean): Promise<string>;
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
  /** One check per pending line(): each resolves its promise once its line has been printed. */
  const waiting = new Set<() => void>();
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
    for (const check of waiting) check();
  });
  // "close", not "exit": a process may exit before its last output has been read.
  const exit = new Promise<ProcessExit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  const line = (predicate: (line: string) => boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = stdout.split("\n").slice(0, -1).find(predicate);
        if (found === undefined) return;
        waiting.delete(check);
        resolve(found);
      };
      waiting.add(check);
      check();
      void exit.then(({ code }) => {
        if (waiting.delete(check)) reject(new Error(`exited ${code} before printing the line awaited: ${stderr}`));
      });
    });
  const firstLine = line(() => true);
  // Handled here too: a test that never asks for the first line must not see it as an unhandled rejection.
  firstLine.catch(() => undefined);
  return { child, firstLine, exit, line, stdout: () => stdout, stderr: () => stderr };
}
