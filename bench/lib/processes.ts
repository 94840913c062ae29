import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { createInterface, type Interface } from "node:readline";

/**
 * Runs a TypeScript program of bench/ in a node process of its own, through tsx as `npm run bench`
 * itself runs: a server under load gets a core to itself, and a suite is timed as a whole process,
 * the way a CI job runs it. Programs talk in JSON lines on stdout.
 */
function spawnProgram(script: URL, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", script.pathname, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, PACT_DO_NOT_TRACK: "true" },
  });
}

/** The next line the program prints, parsed as JSON; rejects if it ends first. */
async function nextLine(child: ChildProcess, lines: Interface, script: URL): Promise<unknown> {
  // Aborted once either wait wins, so a server asked many times does not pile up listeners.
  const settled = new AbortController();
  const waitFor = (emitter: ChildProcess | Interface, event: string) =>
    once(emitter, event, { signal: settled.signal }).catch((error: unknown) => {
      if (settled.signal.aborted) return undefined;
      throw error;
    });
  try {
    const line = await Promise.race([
      waitFor(lines, "line").then((args) => args?.[0] as string | undefined),
      waitFor(child, "close").then(() => undefined),
    ]);
    if (line === undefined) throw new Error(`${script.pathname} ended before it answered`);
    return JSON.parse(line);
  } finally {
    settled.abort();
  }
}

export interface ServerProcess {
  /** The line the server printed once it listened. */
  readonly started: unknown;
  /** Sends one command line and resolves with the JSON line it answers. */
  ask(command: string): Promise<unknown>;
  /** Ends the program's stdin, which tells it to stop, and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts a server program: it prints a JSON line once it listens and exits when its stdin ends. */
export async function startServerProcess(script: URL, args: readonly string[]): Promise<ServerProcess> {
  const child = spawnProgram(script, args);
  const exited = once(child, "close");
  const lines = createInterface({ input: child.stdout! });
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await exited;
    lines.close();
  };
  try {
    const started = await nextLine(child, lines, script);
    return {
      started,
      async ask(command) {
        const answer = nextLine(child, lines, script);
        child.stdin?.write(`${command}\n`);
        return answer;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface ProgramRun {
  /** From spawning the process to its exit. */
  readonly wallMs: number;
  /** The JSON line the program printed. */
  readonly report: unknown;
}

/** Runs a program that prints one JSON line and exits 0. */
export async function runProgram(script: URL, args: readonly string[]): Promise<ProgramRun> {
  const started = performance.now();
  const child = spawnProgram(script, args);
  child.stdin?.end();
  const exited = once(child, "close");
  const lines = createInterface({ input: child.stdout! });
  try {
    const report = await nextLine(child, lines, script);
    const [code] = (await exited) as [number | null];
    if (code !== 0) throw new Error(`${script.pathname} ${args.join(" ")} exited with ${String(code)}`);
    return { wallMs: performance.now() - started, report };
  } finally {
    lines.close();
  }
}
