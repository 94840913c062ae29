/**
 * Child-process entry of `qimen-pact verify` (see worker-protocol.ts for why a child): receives one
 * WorkerJob over IPC, runs it, sends a message per interaction, then "done" (or "failed"), and exits.
 */
import { runShards } from "./pact-session.js";
import type { WorkerJob, WorkerMessage } from "./worker-protocol.js";

async function send(message: WorkerMessage): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    process.send?.(message, undefined, undefined, (error) => (error === null ? resolve() : reject(error)));
  });
}

async function work(job: WorkerJob): Promise<void> {
  try {
    await runShards(job, (records) => send({ type: "shard", records }));
    await send({ type: "done" });
  } catch (error) {
    await send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  } finally {
    // Pact's native core may keep threads and handles of its own alive: exit, do not linger.
    process.exit(0);
  }
}

if (process.send === undefined) {
  process.stderr.write("pact-worker runs only as a child of `qimen-pact verify`\n");
  process.exitCode = 2;
} else {
  process.once("message", (job: WorkerJob) => void work(job));
}
