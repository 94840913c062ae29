import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { contractDigest, type ContractInteraction } from "./contracts.js";
import type { FailureReason, InteractionResult, VerificationReport } from "./results.js";
import { partRange } from "./partition.js";
import { ResultsInOrder } from "./result-order.js";
import {
  checkedHeaderNames,
  MAX_SHARD_SIZE,
  planShards,
  shardPact,
  type PlannedInteraction,
  type Shard,
} from "./shards.js";
import { skipsCertificateStore, workerEnvironment, type NoCertificates } from "./worker-environment.js";
import { probeTcp, shownUrl } from "./transport.js";
import { failedWithoutRun, judgeInteraction, redactor, type Redact } from "./verdict.js";
import { checkOptions, type Settings, type VerifyProviderOptions } from "./verify-options.js";
import { runWorkers } from "./worker-pool.js";
import type { WorkerJob, WorkerShard } from "./worker-protocol.js";

/** The note on an interaction that failed beside others in parallel and passed when verified alone. */
export const PASSED_ALONE_NOTE =
  "passed only when run alone: it failed while other interactions were verified in parallel, so the state-change endpoint is not isolated per order (it resets or reseeds what other interactions set up); run with --jobs 1";
/**
 * The note on an expected failure verified again alone, because the run showed that the
 * state-change endpoint is not isolated per order: its parallel pass may have been by accident.
 */
export const VERIFIED_ALONE_NOTE =
  "verified alone: the state-change endpoint is not isolated per order (another interaction passed only when run alone), so an expected failure that passed in parallel may have failed for the wrong reason; run with --jobs 1";
export { DEFAULT_TIMEOUT_MS, PROGRESS_INTERVAL_MS, type VerifyProviderOptions } from "./verify-options.js";
export type { VerifyProgress } from "./result-order.js";
export { MAX_TIMEOUT_MS } from "./transport.js";

/**
 * Verifies a provider against contracts the way the Qimen gateway delivers calls (see
 * pact-session.ts) and judges each interaction with Pact's matcher and the ERP client's decoder
 * (verdict.ts). The interactions are split into shards (shards.ts) verified by `jobs` worker
 * processes in parallel; the results are merged in contract order. Never throws for a failing
 * provider: unreachable hosts, failed states and mismatches are failed results. Throws an
 * OptionError (verify-options.ts) for an invalid option.
 */
export async function verifyProvider(options: VerifyProviderOptions): Promise<VerificationReport> {
  const settings = checkOptions(options);
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
    await verifyTwice(phase, shards, settings.jobs, results, options.maxShardSize ?? MAX_SHARD_SIZE);
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

/**
 * Verifies the shards, in parallel when there are several, and then verifies again, alone, what
 * parallelism may have judged wrongly. Another shard's state setup can undo this one's (a
 * state-change endpoint that resets the whole store): the WMS then answers "no such order", which
 * fails an interaction that expects success, and passes one that expects a failure by accident.
 * So every failure is verified again alone; and once one passes alone (the endpoint is not
 * isolated per order), every expected failure that passed in parallel is verified alone as well.
 */
async function verifyTwice(
  phase: Phase,
  shards: readonly Shard[],
  jobs: number,
  results: ResultsInOrder,
  maxShardSize: number,
): Promise<void> {
  const parallel = Math.min(jobs, shards.length) > 1;
  const failed: PlannedInteraction[] = [];
  const expectedFailuresPassed = new Map<PlannedInteraction, InteractionResult>();
  await phase("shard", shards, jobs, (entry, result) => {
    if (parallel && result.verdict === "failed") failed.push(entry);
    else if (parallel && entry.interaction.expectedFlag === "failure") expectedFailuresPassed.set(entry, result);
    else results.settle(entry.index, result);
  });
  const alone = (entries: Iterable<PlannedInteraction>): Shard[] =>
    planShards(
      [...entries].sort((a, b) => a.index - b.index),
      { jobs: 1, maxShardSize },
    );
  let isolated = true;
  await phase("alone", alone(failed), 1, (entry, result) => {
    if (result.verdict === "passed") isolated = false;
    results.settle(entry.index, result.verdict === "passed" ? withNote(result, PASSED_ALONE_NOTE) : result);
  });
  if (isolated) {
    for (const [entry, result] of expectedFailuresPassed) results.settle(entry.index, result);
    return;
  }
  await phase("again", alone(expectedFailuresPassed.keys()), 1, (entry, result) =>
    results.settle(entry.index, withNote(result, VERIFIED_ALONE_NOTE)),
  );
}

function withNote(result: InteractionResult, note: string): InteractionResult {
  return { ...result, notes: [...result.notes, note] };
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
