import type { CliIo } from "../../cli/command.js";
import { run } from "../../cli/main.js";

/** A CliIo that records what a command prints, for driving commands in-process. */
export interface RecordingIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
  readonly abort: () => void;
}

export function recordingIo(env: Record<string, string | undefined> = {}): RecordingIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const controller = new AbortController();
  return {
    stdout: (text) => void stdout.push(text),
    stderr: (text) => void stderr.push(text),
    env,
    signal: controller.signal,
    out: () => stdout.join(""),
    err: () => stderr.join(""),
    abort: () => controller.abort(),
  };
}

export interface CliOutcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `qimen-pact ...argv` in-process and returns what it printed. */
export async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliOutcome> {
  const io = recordingIo(env);
  const exitCode = await run(argv, io);
  return { exitCode, stdout: io.out(), stderr: io.err() };
}
