import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseQimenEndpoint } from "../src/client/qimen-client.js";
import type { MethodNameForm } from "../src/protocol/system-params.js";
import { contractDigest, missingStateChangeUrl, type Contract, type ContractInteraction } from "./contracts.js";
import type { FailureReason, InteractionResult, VerificationReport } from "./results.js";
import { partRange, invalidPart, type Part } from "./partition.js";
import { ResultsInOrder, type VerifyProgress } from "./result-order.js";
import {
  checkedHeaderNames,
  MAX_SHARD_SIZE,
  planShards,
  shardPact,
  type PlannedInteraction,
  type Shard,
} from "./shards.js";
import { skipsCertificateStore, workerEnvironment, type NoCertificates } from "./worker-environment.js";
import { MAX_TIMEOUT_MS, probeTcp, shownUrl } from "./transport.js";
import { failedWithoutRun, judgeInteraction, redactor, type Redact } from "./verdict.js";
import { runWorkers } from "./worker-pool.js";
import type { WorkerJob, WorkerShard } from "./worker-protocol.js";

export const DEFAULT_TIMEOUT_MS = 10_000;
/** How long verification may go without a result before onProgress is told. */
export const PROGRESS_INTERVAL_MS = 10_000;
/** The note on an interaction that failed beside others in parallel and passed when verified alone. */
export const PASSED_ALONE_NOTE =
  "passed only when run alone: it failed while other interactions were verified in parallel, so the state-change endpoint is not isolated per order (it resets or reseeds what other interactions set up); run with --jobs 1";
export type { VerifyProgress } from "./result-order.js";
export { MAX_TIMEOUT_MS } from "./transport.js";

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
  /** Deadline of each HTTP call (connect and answer), and of the reachability check; at most MAX_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /**
   * Worker processes verifying shards in parallel. Default: os.availableParallelism(). 1 when
   * the provider's states are not independent per order (see `qimen-pact verify --help`).
   */
  readonly jobs?: number;
  /** Verify only this part of the interactions (`verify --shard K/N`, see partition.ts); the report says which. */
  readonly part?: Part;
  /** The provider's version, written into the report so that `report merge` never joins parts of two builds. */
  readonly providerVersion?: string;
  /** Most interactions per Pact verifier run. Default MAX_SHARD_SIZE. */
  readonly maxShardSize?: number;
  /** Stops the run: the verifier processes are killed and the promise rejects with an AbortError. */
  readonly signal?: AbortSignal;
  /** Called with each interaction's result as soon as it is judged, in contract order. */
  readonly onResult?: (result: InteractionResult) => void;
  /** Called every `progressIntervalMs` in which no result was reported: a long run is not silent. */
  readonly onProgress?: (progress: VerifyProgress) => void;
  /** Default PROGRESS_INTERVAL_MS; at most MAX_TIMEOUT_MS. */
  readonly progressIntervalMs?: number;
  /** Time of the report's `startedAt`. Default: the system clock. */
  readonly now?: () => Date;
  /** Where the workers' NODE_OPTIONS and TLS trust settings come from (worker-environment.ts). Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

interface Settings {
  readonly providerUrl: URL;
  readonly stateChangeUrl: URL | undefined;
  readonly methodName: MethodNameForm;
  readonly timeoutMs: number;
  readonly jobs: number;
  readonly progressIntervalMs: number;
  /** What a report must never show: the secret, and the state-change URL's password and query values. */
  readonly sensitive: readonly string[];
}

/**
 * Verifies a provider against contracts the way the Qimen gateway delivers calls (see
 * pact-session.ts) and judges each interaction with Pact's matcher and the ERP client's decoder
 * (verdict.ts). The interactions are split into shards (shards.ts) verified by `jobs` worker
 * processes in parallel; the results are merged in contract order. Never throws for a failing
 * provider: unreachable hosts, failed states and mismatches are failed results. Throws
 * TypeError/RangeError for invalid options.
 */
export async function verifyProvider(options: VerifyProviderOptions): Promise<VerificationReport> {
  const settings = validate(options);
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  const all = options.contracts.flatMap((contract) =>
    contract.interactions.map((interaction) => ({ contract, interaction })),
  );
  const range = options.part === undefined ? { start: 0, end: all.length } : partRange(options.part, all.length);
  const interactions: PlannedInteraction[] = all
    .slice(range.start, range.end)
    .map((entry, index) => ({ index, ...entry }));
  const results = new ResultsInOrder(interactions.length, {
    onResult: options.onResult,
    onProgress: options.onProgress,
    intervalMs: settings.progressIntervalMs,
  });
  const redact = redactor(settings.sensitive);

  const unreachable = await probeTcp(settings.providerUrl, settings.timeoutMs);
  const stateChangeDown =
    settings.stateChangeUrl === undefined ? undefined : await probeTcp(settings.stateChangeUrl, settings.timeoutMs);
  const runnable: PlannedInteraction[] = [];
  for (const entry of interactions) {
    const blocked = blockedReason(entry.interaction, settings, redact, { unreachable, stateChangeDown });
    if (blocked === undefined) runnable.push(entry);
    else results.settle(entry.index, failedWithoutRun(entry.interaction, blocked));
  }
  const directory = await mkdtemp(join(tmpdir(), "qimen-pact-verify-"));
  try {
    const phase = await phaseRunner(options, settings, directory, interactions, results);
    const shards = planShards(runnable, {
      jobs: settings.jobs,
      ...(options.maxShardSize === undefined ? {} : { maxShardSize: options.maxShardSize }),
    });
    // Failures beside other shards in parallel may be the provider's shared state, not the answer.
    const parallel = Math.min(settings.jobs, shards.length) > 1;
    const failedInParallel: PlannedInteraction[] = [];
    await phase("shard", shards, settings.jobs, (entry, result) => {
      if (parallel && result.verdict === "failed") failedInParallel.push(entry);
      else results.settle(entry.index, result);
    });
    const alone = planShards(
      failedInParallel.sort((a, b) => a.index - b.index),
      { jobs: 1, maxShardSize: options.maxShardSize ?? MAX_SHARD_SIZE },
    );
    await phase("alone", alone, 1, (entry, result) =>
      results.settle(
        entry.index,
        result.verdict === "passed" ? { ...result, notes: [...result.notes, PASSED_ALONE_NOTE] } : result,
      ),
    );
  } finally {
    results.stop();
    await rm(directory, { recursive: true, force: true });
  }
  const finished = results.finished();
  const passed = finished.filter((result) => result.verdict === "passed").length;
  return {
    providerUrl: redact(shownUrl(settings.providerUrl)),
    ...(settings.stateChangeUrl === undefined ? {} : { stateChangeUrl: redact(shownUrl(settings.stateChangeUrl)) }),
    methodName: settings.methodName,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    contracts: options.contracts.map((contract) => contract.path),
    contractDigests: options.contracts.map(contractDigest),
    ...(options.providerVersion === undefined ? {} : { providerVersion: options.providerVersion }),
    ...(options.part === undefined ? {} : { part: { ...options.part, total: all.length } }),
    ...(unreachable === undefined ? {} : { unreachable: redact(unreachable) }),
    interactions: finished,
    summary: { total: finished.length, passed, failed: finished.length - passed },
  };
}

/** Verifies shards in worker processes and hands each judged interaction on. */
type Phase = (
  name: string,
  shards: readonly Shard[],
  jobs: number,
  onJudged: (entry: PlannedInteraction, result: InteractionResult) => void,
) => Promise<void>;

/**
 * The phases of one run share their workers' environment and temporary directory. A worker that
 * fails its shards (or overruns their deadline) fails them at once: running them again would not
 * tell anything new.
 */
async function phaseRunner(
  options: VerifyProviderOptions,
  settings: Settings,
  directory: string,
  interactions: readonly PlannedInteraction[],
  results: ResultsInOrder,
): Promise<Phase> {
  const env = await environmentFor(settings, options.env ?? process.env, directory);
  const redact = redactor(settings.sensitive);
  return async (name, shards, jobs, onJudged) => {
    if (shards.length === 0) return;
    await runWorkers(await writeShards(shards, directory, name), jobs, {
      job: (own) => job(options, settings, own),
      env,
      signal: options.signal,
      onRecord: (record) => {
        const entry = interactions[record.index];
        // The signs sent for this interaction are as secret as the secret.
        const redactRecord = redactor([...settings.sensitive, ...record.sensitive]);
        if (entry !== undefined) onJudged(entry, judgeInteraction(entry.interaction, record, redactRecord));
      },
      onWorkerFailure: (failure, own) => {
        const reason: FailureReason = { kind: "verifier", where: "verifier", message: redact(failure) };
        for (const { index } of own.flatMap((shard) => shard.interactions)) {
          const entry = interactions[index];
          if (entry !== undefined) results.settle(index, failedWithoutRun(entry.interaction, reason));
        }
      },
    });
  };
}

/** Writes each shard's Pact file into `directory` and describes the shards for the workers. */
async function writeShards(shards: readonly Shard[], directory: string, prefix: string): Promise<WorkerShard[]> {
  const written: WorkerShard[] = [];
  for (const [position, shard] of shards.entries()) {
    const pactFile = join(directory, `${prefix}-${position}.json`);
    await writeFile(pactFile, shardPact(shard));
    written.push({
      pactFile,
      provider: shard.contract.provider,
      interactions: shard.entries.map(({ index, interaction }) => ({
        index,
        badSignature: interaction.badSignature,
        checkedHeaders: checkedHeaderNames(interaction.source),
        calls: 1 + 2 * interaction.states.length,
      })),
    });
  }
  return written;
}

function job(options: VerifyProviderOptions, settings: Settings, shards: readonly WorkerShard[]): WorkerJob {
  return {
    gateway: {
      providerUrl: settings.providerUrl.href,
      secret: options.secret,
      methodName: settings.methodName,
      ...(options.appKey === undefined ? {} : { appKey: options.appKey }),
      ...(options.customerId === undefined ? {} : { customerId: options.customerId }),
    },
    ...(settings.stateChangeUrl === undefined ? {} : { stateChangeUrl: settings.stateChangeUrl.href }),
    timeoutMs: settings.timeoutMs,
    shards,
  };
}

/** The workers' environment, and the empty certificate locations it may point to, in `directory`. */
async function environmentFor(
  settings: Settings,
  callerEnv: Readonly<Record<string, string | undefined>>,
  directory: string,
): Promise<Record<string, string>> {
  const none: NoCertificates = {
    file: join(directory, "no-certificates.pem"),
    directory: join(directory, "no-certificates"),
  };
  if (skipsCertificateStore(settings)) {
    await writeFile(none.file, "");
    await mkdir(none.directory);
  }
  return workerEnvironment(settings, callerEnv, none);
}

function blockedReason(
  interaction: ContractInteraction,
  settings: Settings,
  redact: Redact,
  probes: { readonly unreachable: string | undefined; readonly stateChangeDown: string | undefined },
): FailureReason | undefined {
  if (probes.unreachable !== undefined) {
    return { kind: "not-delivered", where: "provider", message: `provider unreachable: ${redact(probes.unreachable)}` };
  }
  const state = interaction.states[0];
  if (state !== undefined && probes.stateChangeDown !== undefined && settings.stateChangeUrl !== undefined) {
    return {
      kind: "state-setup",
      where: `state "${state.name}"`,
      message: redact(`state-change URL ${shownUrl(settings.stateChangeUrl)} unreachable: ${probes.stateChangeDown}`),
    };
  }
  return undefined;
}

/** The password and query values (or bare query tokens) of a URL, as written and decoded: a provider may echo either. */
export function urlSecrets(url: URL | undefined): string[] {
  if (url === undefined) return [];
  const written = [
    url.password,
    ...url.search
      .slice(1)
      .split("&")
      .map((pair) => pair.slice(pair.indexOf("=") + 1)),
  ];
  const decoded = [percentDecoded(url.password), ...url.searchParams.values()];
  return [...written, ...decoded].filter((value) => value !== "");
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function validate(options: VerifyProviderOptions): Settings {
  const providerUrl = parseQimenEndpoint(String(options.providerUrl));
  if (typeof options.secret !== "string" || options.secret === "") {
    throw new TypeError("secret must be the provider's app secret: the gateway signs every call with it");
  }
  const timeoutMs = milliseconds(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, "timeoutMs");
  const progressIntervalMs = milliseconds(options.progressIntervalMs ?? PROGRESS_INTERVAL_MS, "progressIntervalMs");
  const methodName = options.methodName ?? "short";
  if (methodName !== "short" && methodName !== "long") {
    throw new TypeError(
      `methodName must be "short" (order.cancel) or "long" (taobao.qimen.order.cancel), got ${String(methodName)}`,
    );
  }
  const stateChangeUrl =
    options.stateChangeUrl === undefined ? undefined : httpUrl(options.stateChangeUrl, "stateChangeUrl");
  if (options.contracts.length === 0) throw new TypeError("contracts must hold at least one contract");
  const noStateChangeUrl = missingStateChangeUrl(options.contracts, stateChangeUrl, "stateChangeUrl");
  if (noStateChangeUrl !== undefined) throw new TypeError(noStateChangeUrl);
  const jobs = options.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(`jobs must be a positive integer of worker processes, got ${jobs}`);
  }
  if (options.part !== undefined) {
    const invalid = invalidPart(options.part);
    if (invalid !== undefined) throw new RangeError(`part: ${invalid}`);
  }
  const sensitive = [options.secret, ...urlSecrets(stateChangeUrl)];
  return { providerUrl, stateChangeUrl, methodName, timeoutMs, jobs, progressIntervalMs, sensitive };
}

function milliseconds(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new RangeError(
      `${name} must be a positive integer of milliseconds, at most ${MAX_TIMEOUT_MS} (Node's longest timer), got ${value}`,
    );
  }
  return value;
}

function httpUrl(value: string | URL, name: string): URL {
  const url = URL.canParse(String(value)) ? new URL(String(value)) : undefined;
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TypeError(`${name} must be an absolute http(s) URL, got ${JSON.stringify(String(value))}`);
  }
  return url;
}
