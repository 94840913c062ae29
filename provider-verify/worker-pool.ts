import { fork, type ChildProcess } from "node:child_process";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { MAX_TIMEOUT_MS } from "./transport.js";
import type { RunRecord, WorkerJob, WorkerMessage, WorkerShard } from "./worker-protocol.js";

/*
 * Every HTTP call of a shard has its deadline (--timeout-ms), but Pact's verifier does work of its
 * own between them (matching an answer, 288 s for one 100 000 deep document before such bodies were
 * withheld), and a worker can hang like any process. So each shard's run has a deadline too, from
 * what it may legitimately take: after it, the worker is killed, the shard's interactions fail in
 * words, and the worker's later shards run in a fresh one.
 */

/** Per shard, besides its calls: starting a Pact verifier run (and, for the first, the worker process). */
export const SHARD_SLACK_MS = 10_000;
/** Per interaction, besides its calls: Pact's own matching and bookkeeping. */
export const INTERACTION_SLACK_MS = 1_000;

/**
 * The deadline of a shard's Pact run: SHARD_SLACK_MS, plus for each interaction its calls (one
 * delivery, a setup and a teardown per provider state) times `timeoutMs`, plus INTERACTION_SLACK_MS.
 */
export function shardDeadlineMs(shard: WorkerShard, timeoutMs: number): number {
  const calls = shard.interactions.reduce((sum, interaction) => sum + interaction.calls * timeoutMs, 0);
  return Math.min(SHARD_SLACK_MS + calls + shard.interactions.length * INTERACTION_SLACK_MS, MAX_TIMEOUT_MS);
}

export interface WorkerHooks {
  /** The job of a worker that runs these shards. */
  readonly job: (shards: readonly WorkerShard[]) => WorkerJob;
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal | undefined;
  readonly onRecord: (record: RunRecord) => void;
  /** Shards that ended without records: why, and which shards. */
  readonly onWorkerFailure: (failure: string, shards: readonly WorkerShard[]) => void;
}

/**
 * Runs the shards in up to `jobs` worker processes at once, dealt in turn (so results arrive
 * roughly in contract order). Resolves when every shard has been reported or failed; rejects, once
 * every worker has ended, when the run was aborted.
 */
export async function runWorkers(shards: readonly WorkerShard[], jobs: number, hooks: WorkerHooks): Promise<void> {
  const workers = Math.min(jobs, shards.length);
  const outcomes = await Promise.allSettled(
    Array.from({ length: workers }, async (_, worker) => {
      let own = shards.filter((_shard, position) => position % workers === worker);
      while (own.length > 0) {
        const end = await runWorker(hooks.job(own), hooks.env, hooks.signal, hooks.onRecord);
        if (end.failure === undefined) return;
        // An overrun fails its own shard only: the shards after it get a fresh worker.
        const failed = own.slice(end.reported, end.overran ? end.reported + 1 : own.length);
        hooks.onWorkerFailure(end.failure, failed);
        own = own.slice(end.reported + failed.length);
      }
    }),
  );
  const rejected = outcomes.find((outcome) => outcome.status === "rejected");
  if (rejected !== undefined) throw rejected.reason;
}

/** The worker's file beside this one: `.ts` when run from source (tsx), `.js` when built. */
const WORKER_PATH = fileURLToPath(new URL(`./pact-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
const STDERR_TAIL_CHARS = 2_000;

interface WorkerEnd {
  /** How many of the job's shards, from the first, were reported. */
  readonly reported: number;
  /** Undefined when the worker reported every shard, else why it did not. */
  readonly failure?: string;
  /** The shard after the reported ones exceeded its deadline, and the worker was killed. */
  readonly overran: boolean;
}

function overrun(shard: WorkerShard | undefined, deadlineMs: number, timeoutMs: number): string {
  const count = shard?.interactions.length ?? 0;
  return `verification of this shard exceeded its deadline of ${deadlineMs} ms (${count} interaction${count === 1 ? "" : "s"}, --timeout-ms ${timeoutMs}; see Bounds in qimen-pact verify --help): its verifier process was killed and the shard's interactions were not judged. Pact's verifier could not finish with an answer, or the machine is overloaded`;
}

/**
 * Runs the job in a child process and passes each record on, each shard within its deadline.
 * Resolves to how far it got; rejects only when aborted.
 */
async function runWorker(
  job: WorkerJob,
  env: Readonly<Record<string, string>>,
  signal: AbortSignal | undefined,
  onRecord: (record: RunRecord) => void,
): Promise<WorkerEnd> {
  signal?.throwIfAborted();
  const child: ChildProcess = fork(WORKER_PATH, [], {
    // Same loader flags (tsx when run from source); the environment of workerEnvironment.
    execArgv: process.execArgv,
    env,
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  let outcome: string | undefined = "the verifier process ended before finishing";
  let reported = 0;
  let overran = false;
  let deadline: NodeJS.Timeout | undefined;
  const armDeadline = (): void => {
    clearTimeout(deadline);
    const shard = job.shards[reported];
    if (shard === undefined) return;
    const deadlineMs = shardDeadlineMs(shard, job.timeoutMs);
    deadline = setTimeout(() => {
      overran = true;
      outcome = overrun(shard, deadlineMs, job.timeoutMs);
      // SIGKILL: a worker stuck in Pact's native code, or stopped, may never act on SIGTERM.
      child.kill("SIGKILL");
    }, deadlineMs);
  };
  return await new Promise<WorkerEnd>((resolve, reject) => {
    const abort = (): void => {
      child.kill();
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException("verification aborted", "AbortError"));
    };
    signal?.addEventListener("abort", abort, { once: true });
    // The caller may abort while taking a record: what follows is no longer wanted.
    const aborted = (): boolean => signal?.aborted === true;
    child.on("message", (message: WorkerMessage) => {
      if (aborted() || overran) return;
      if (message.type === "shard") {
        reported += 1;
        armDeadline();
        for (const record of message.records) {
          if (aborted()) break;
          onRecord(record);
        }
      } else if (message.type === "done") outcome = undefined;
      else outcome = `the verifier failed: ${message.message}`;
    });
    child.once("error", (error) => {
      outcome = `the verifier process could not run: ${error.message}`;
    });
    child.once("close", (code, killedBy) => {
      clearTimeout(deadline);
      signal?.removeEventListener("abort", abort);
      if (outcome === undefined) return resolve({ reported, overran: false });
      const exit = killedBy === null ? `exit code ${code}` : `signal ${killedBy}`;
      const tail = stderr.trim();
      const failure = overran ? outcome : `${outcome} (${exit})${tail === "" ? "" : `: ${tail}`}`;
      resolve({ reported, failure, overran });
    });
    armDeadline();
    child.send(job, (error) => {
      if (error === null) return;
      outcome = `the verifier process could not be started: ${error.message}`;
      child.kill();
    });
  });
}
