import { parseArgs, type ParseArgsConfig } from "node:util";
import { OptionError } from "../src/protocol/errors.js";

export { APP_KEY_ENV, CUSTOMER_ID_ENV, SECRET_ENV } from "../src/credential-env.js";

/** Everything a command touches outside itself, injected so tests need no globals. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop and drain when it fires. */
  readonly signal: AbortSignal;
}

export interface Command {
  readonly name: string;
  /** One line for the top-level --help. */
  readonly summary: string;
  /** The whole --help text of the command. */
  readonly help: string;
  /** Resolves to the process exit code. Throws UsageError for bad invocations (exit 2). */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by every command; `interrupted` (128 + SIGINT, as shells report it) when SIGINT/SIGTERM cut a command short. */
export const EXIT = { ok: 0, failed: 1, usage: 2, transport: 3, interrupted: 130 } as const;

/** A mistake in how the command was called: main prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * node:util parseArgs (callers pass strict: true), with its errors turned into UsageErrors that name the flag.
 * (`--help` never reaches a command: main answers it first.)
 */
export function parseCommandArgs<T extends ParseArgsConfig & { strict: true }>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, "."), { cause });
  }
}

/** The value of a required string flag, or of its environment fallback; UsageError names both. */
export function requireOption(value: string | undefined, flag: string, io: CliIo, envName?: string): string {
  const resolved = value ?? (envName === undefined ? undefined : io.env[envName]);
  if (resolved === undefined || resolved === "") {
    throw new UsageError(`missing ${flag}${envName === undefined ? "" : ` (or set ${envName})`}`);
  }
  return resolved;
}

/** What a numeric flag accepts; by default positive whole numbers up to Number.MAX_SAFE_INTEGER. */
export interface NumericFlag {
  /** Completes "--flag must be …" in the usage error, e.g. "a positive whole number of milliseconds". */
  readonly expected: string;
  /** Accept decimal fractions such as 0.5. */
  readonly fractional?: boolean;
  readonly allowZero?: boolean;
  readonly max?: number;
}

const WHOLE_NUMBER = /^[0-9]+$/;
const DECIMAL_NUMBER = /^[0-9]+(\.[0-9]+)?$/;

/**
 * The value of a numeric flag, or a UsageError naming the flag. Only plain decimal digits count
 * (no signs, exponents, hex or blanks), and the value must be finite: 300 digits are Infinity.
 */
export function numericFlag(text: string, flag: string, rule: NumericFlag): number {
  const value = (rule.fractional === true ? DECIMAL_NUMBER : WHOLE_NUMBER).test(text) ? Number(text) : Number.NaN;
  const inRange =
    Number.isFinite(value) &&
    (rule.allowZero === true ? value >= 0 : value > 0) &&
    value <= (rule.max ?? Number.MAX_SAFE_INTEGER);
  if (!inRange) throw new UsageError(`${flag} must be ${rule.expected}, got "${text}"`);
  return value;
}

/**
 * Runs `check`, a library's one validation of its options, and says an OptionError as a usage
 * error of the flag that gave the option (`flags` maps option names to flags), so a command never
 * restates a library's rules.
 */
export function withFlagNames<T>(flags: ReadonlyMap<string, string>, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    throw new UsageError(`${flags.get(error.option) ?? error.option}: ${error.message}`, { cause: error });
  }
}
