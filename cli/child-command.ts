import { spawn } from "node:child_process";

/** How a child command ended: its exit code, or the signal that ended it, or why it could not start. */
export type ChildExit =
  | { readonly kind: "exited"; readonly code: number }
  | { readonly kind: "signalled"; readonly signal: NodeJS.Signals }
  | { readonly kind: "not-started"; readonly error: string };

export interface ChildCommand {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM: the signal (the abort's reason, default SIGTERM) is passed on to the child. */
  readonly signal: AbortSignal;
}

/** Runs a command (no shell) with its output passed through, and resolves once it has exited and its output is read. */
export function runChild(command: ChildCommand): Promise<ChildExit> {
  const [file = "", ...args] = command.argv;
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: command.env, stdio: ["inherit", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8").on("data", command.stdout);
    child.stderr.setEncoding("utf8").on("data", command.stderr);
    const forward = (): void => {
      const reason: unknown = command.signal.reason;
      child.kill(reason === "SIGINT" || reason === "SIGTERM" ? reason : "SIGTERM");
    };
    command.signal.addEventListener("abort", forward, { once: true });
    child.once("error", (error: NodeJS.ErrnoException) => {
      command.signal.removeEventListener("abort", forward);
      resolve({ kind: "not-started", error: `${file}: ${error.code ?? error.message}` });
    });
    // "close", not "exit": everything the child printed has been passed on by then.
    child.once("close", (code, signal) => {
      command.signal.removeEventListener("abort", forward);
      resolve(signal === null ? { kind: "exited", code: code ?? 1 } : { kind: "signalled", signal });
    });
  });
}

export function describeExit(exit: ChildExit): string {
  switch (exit.kind) {
    case "exited":
      return exit.code === 0 ? "the command exited 0" : `the command failed: exit code ${exit.code}`;
    case "signalled":
      return `the command was ended by ${exit.signal}`;
    case "not-started":
      return `the command could not be started (${exit.error})`;
  }
}
