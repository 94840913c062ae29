import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseQimenEndpoint } from "../src/client/qimen-client.js";
import type { MethodNameForm } from "../src/protocol/system-params.js";
import { requiredStates, singleInteractionPact, type Contract, type ContractInteraction } from "./contracts.js";
import type { FailureReason, InteractionResult, VerificationReport } from "./results.js";
import { probeTcp } from "./transport.js";
import { failedWithoutRun, judgeInteraction, redactor } from "./verdict.js";
import type { RunRecord, WorkerJob, WorkerMessage, WorkerRun } from "./worker-protocol.js";

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface VerifyProviderOptions {
  readonly contracts: readonly Contract[];
  /** The WMS's registered Qimen URL, path included: every call goes exactly there. */
  readonly providerUrl: string | URL;
  readonly secret: string;
  readonly appKey?: string;
  readonly customerId?: string;
  /** Pact's state-change URL; required when an interaction has provider states. */
  readonly stateChangeUrl?: string | URL;
  /** Default `short` (order.cancel), what WMS-side code routes on. */
  readonly methodName?: MethodNameForm;
  /** Deadline of each HTTP call (connect and answer), and of the reachability check. */
  readonly timeoutMs?: number;
  /** Stops the run: the verifier process is killed and the promise rejects with an AbortError. */
  readonly signal?: AbortSignal;
  /** Called with each interaction's result as soon as it is judged, in contract order. */
  readonly onResult?: (result: InteractionResult) => void;
  /** Time of the report's `startedAt`. Default: the system clock. */
  readonly now?: () => Date;
}

interface Settings {
  readonly providerUrl: URL;
  readonly stateChangeUrl: URL | undefined;
  readonly methodName: MethodNameForm;
  readonly timeoutMs: number;
}

/**
 * Verifies a provider against contracts the way the Qimen gateway delivers calls (see
 * pact-session.ts) and judges each interaction with Pact's matcher and the ERP client's decoder
 * (verdict.ts). Never throws for a failing provider: unreachable hosts, failed states and
 * mismatches are failed results. Throws TypeError/RangeError for invalid options.
 */
export async function verifyProvider(options: VerifyProviderOptions): Promise<VerificationReport> {
  const settings = validate(options);
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  const interactions = options.contracts.flatMap((contract) =>
    contract.interactions.map((interaction) => ({ contract, interaction })),
  );
  const redact = redactor([options.secret]);
  const results: (InteractionResult | undefined)[] = interactions.map(() => undefined);
  let emitted = 0;
  const settle = (index: number, result: InteractionResult): void => {
    results[index] = redact(result);
    // Results are announced in contract order, however they arrive.
    while (emitted < results.length) {
      const next = results[emitted];
      if (next === undefined) break;
      options.onResult?.(next);
      emitted += 1;
    }
  };

  const unreachable = await probeTcp(settings.providerUrl, settings.timeoutMs);
  const stateChangeDown =
    settings.stateChangeUrl === undefined ? undefined : await probeTcp(settings.stateChangeUrl, settings.timeoutMs);
  const runs: WorkerRun[] = [];
  const directory = await mkdtemp(join(tmpdir(), "qimen-pact-verify-"));
  try {
    for (const [index, { contract, interaction }] of interactions.entries()) {
      const blocked = blockedReason(interaction, settings, unreachable, stateChangeDown);
      if (blocked !== undefined) {
        settle(index, failedWithoutRun(interaction, blocked));
        continue;
      }
      const pactFile = join(directory, `${index}.json`);
      await writeFile(pactFile, singleInteractionPact(contract, interaction));
      runs.push({ index, pactFile, provider: contract.provider, badSignature: interaction.badSignature });
    }
    if (runs.length > 0) {
      const job: WorkerJob = {
        gateway: {
          providerUrl: settings.providerUrl.href,
          secret: options.secret,
          methodName: settings.methodName,
          ...(options.appKey === undefined ? {} : { appKey: options.appKey }),
          ...(options.customerId === undefined ? {} : { customerId: options.customerId }),
        },
        ...(settings.stateChangeUrl === undefined ? {} : { stateChangeUrl: settings.stateChangeUrl.href }),
        timeoutMs: settings.timeoutMs,
        runs,
      };
      const failure = await runWorker(job, options.signal, (record) => {
        const entry = interactions[record.index];
        if (entry !== undefined) {
          settle(
            record.index,
            redactor([options.secret, ...record.sensitive])(judgeInteraction(entry.interaction, record)),
          );
        }
      });
      if (failure !== undefined) {
        const reason: FailureReason = { kind: "verifier", where: "verifier", message: failure };
        for (const run of runs) {
          const entry = interactions[run.index];
          if (results[run.index] === undefined && entry !== undefined)
            settle(run.index, failedWithoutRun(entry.interaction, reason));
        }
      }
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  const finished = results.filter((result): result is InteractionResult => result !== undefined);
  const passed = finished.filter((result) => result.verdict === "passed").length;
  return redact({
    providerUrl: settings.providerUrl.origin + settings.providerUrl.pathname,
    ...(settings.stateChangeUrl === undefined
      ? {}
      : { stateChangeUrl: settings.stateChangeUrl.origin + settings.stateChangeUrl.pathname }),
    methodName: settings.methodName,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    contracts: options.contracts.map((contract) => contract.path),
    ...(unreachable === undefined ? {} : { unreachable }),
    interactions: finished,
    summary: { total: finished.length, passed, failed: finished.length - passed },
  });
}

function blockedReason(
  interaction: ContractInteraction,
  settings: Settings,
  unreachable: string | undefined,
  stateChangeDown: string | undefined,
): FailureReason | undefined {
  if (unreachable !== undefined) {
    return { kind: "not-delivered", where: "provider", message: `provider unreachable: ${unreachable}` };
  }
  const state = interaction.states[0];
  if (state !== undefined && stateChangeDown !== undefined) {
    return {
      kind: "state-setup",
      where: `state "${state.name}"`,
      message: `state-change URL ${settings.stateChangeUrl?.href ?? ""} unreachable: ${stateChangeDown}`,
    };
  }
  return undefined;
}

function validate(options: VerifyProviderOptions): Settings {
  const providerUrl = parseQimenEndpoint(String(options.providerUrl));
  if (typeof options.secret !== "string" || options.secret === "") {
    throw new TypeError("secret must be the provider's app secret: the gateway signs every call with it");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive integer of milliseconds, got ${timeoutMs}`);
  }
  const methodName = options.methodName ?? "short";
  if (methodName !== "short" && methodName !== "long") {
    throw new TypeError(
      `methodName must be "short" (order.cancel) or "long" (taobao.qimen.order.cancel), got ${String(methodName)}`,
    );
  }
  const stateChangeUrl =
    options.stateChangeUrl === undefined ? undefined : httpUrl(options.stateChangeUrl, "stateChangeUrl");
  const states = requiredStates(options.contracts);
  if (stateChangeUrl === undefined && states.length > 0) {
    throw new TypeError(
      `the contracts need provider states (${states.map((state) => `"${state}"`).join(", ")}): give stateChangeUrl, the provider's Pact state-change endpoint`,
    );
  }
  if (options.contracts.length === 0) throw new TypeError("contracts must hold at least one contract");
  return { providerUrl, stateChangeUrl, methodName, timeoutMs };
}

function httpUrl(value: string | URL, name: string): URL {
  const url = URL.canParse(String(value)) ? new URL(String(value)) : undefined;
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TypeError(`${name} must be an absolute http(s) URL, got ${JSON.stringify(String(value))}`);
  }
  return url;
}

/** The worker's file beside this one: `.ts` when run from source (tsx), `.js` when built. */
const WORKER_PATH = fileURLToPath(new URL(`./pact-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
const STDERR_TAIL_CHARS = 2_000;

/**
 * Runs the job in a child process and passes each record on. Resolves to undefined when the worker
 * finished every run, else to what went wrong; rejects only when aborted.
 */
async function runWorker(
  job: WorkerJob,
  signal: AbortSignal | undefined,
  onRecord: (record: RunRecord) => void,
): Promise<string | undefined> {
  signal?.throwIfAborted();
  const child: ChildProcess = fork(WORKER_PATH, [], {
    // Same loader flags (tsx when run from source); a clean environment, so PACT_* variables of
    // the caller cannot filter interactions away and no proxy variable reroutes loopback calls.
    execArgv: process.execArgv,
    env: {
      PACT_DO_NOT_TRACK: "true",
      ...(process.env["NODE_OPTIONS"] === undefined ? {} : { NODE_OPTIONS: process.env["NODE_OPTIONS"] }),
    },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  return await new Promise<string | undefined>((resolve, reject) => {
    let outcome: string | undefined = "the verifier process ended before finishing";
    const abort = (): void => {
      child.kill();
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException("verification aborted", "AbortError"));
    };
    signal?.addEventListener("abort", abort, { once: true });
    child.on("message", (message: WorkerMessage) => {
      if (signal?.aborted === true) return;
      if (message.type === "run") onRecord(message.record);
      else if (message.type === "done") outcome = undefined;
      else outcome = `the verifier failed: ${message.message}`;
    });
    child.once("error", (error) => {
      outcome = `the verifier process could not run: ${error.message}`;
    });
    child.once("close", (code, killedBy) => {
      signal?.removeEventListener("abort", abort);
      if (outcome === undefined) return resolve(undefined);
      const exit = killedBy === null ? `exit code ${code}` : `signal ${killedBy}`;
      const tail = stderr.trim();
      resolve(`${outcome} (${exit})${tail === "" ? "" : `: ${tail}`}`);
    });
    child.send(job, (error) => {
      if (error === null) return;
      outcome = `the verifier process could not be started: ${error.message}`;
      child.kill();
    });
  });
}
