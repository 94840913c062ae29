#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EXIT, UsageError, type CliIo, type Command } from "./command.js";
import { COMMANDS } from "./commands.js";

export function topLevelHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    "qimen-pact: contract testing for the Qimen (奇门) warehouse API, taobao.qimen.order.cancel",
    "",
    "Usage: qimen-pact <command> [options]",
    "",
    "Commands:",
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Run `qimen-pact <command> --help` for a command's options.",
    "",
  ].join("\n");
}

/** Runs one invocation and resolves to its exit code; never exits the process itself. */
export async function run(
  argv: readonly string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(topLevelHelp(commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr(`qimen-pact: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(", ")}\n`);
    return EXIT.usage;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`qimen-pact ${command.name}: ${error.message}\nRun \`qimen-pact ${command.name} --help\` for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/**
 * Writes to one of the process's streams until the first error on it, then drops what follows:
 * a reader that went away (EPIPE, as in `qimen-pact wms | head -1`) must not crash a running
 * server, and a broken stream has nobody left to tell.
 */
function streamWriter(stream: NodeJS.WritableStream): (text: string) => void {
  let broken = false;
  stream.on("error", () => {
    broken = true;
  });
  return (text) => {
    if (!broken) stream.write(text);
  };
}

async function main(): Promise<void> {
  const controller = new AbortController();
  // The reason names the signal, so a command running a child process can pass the same one on.
  const stop = (signal: NodeJS.Signals): void => controller.abort(signal);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const io: CliIo = {
    stdout: streamWriter(process.stdout),
    stderr: streamWriter(process.stderr),
    env: process.env,
    signal: controller.signal,
  };
  try {
    process.exitCode = await run(process.argv.slice(2), io);
  } catch (error) {
    io.stderr(
      `qimen-pact: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = EXIT.failed;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) await main();
