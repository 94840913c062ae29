import { BENCH_CALLER, BENCH_ORDER_COUNT, benchCancel } from "../../test/support/bench-orders.js";
import { startServerProcess, type ServerProcess } from "../lib/processes.js";
import type { Benchmark, Check, Measurement } from "../lib/report.js";
import { runSignedLoad, type SignedLoadResult } from "../../test/support/signed-load.js";

const SERVE = new URL("../serve.ts", import.meta.url);
const CONCURRENCIES = [1, 10, 50] as const;
const TARGET_CONCURRENCY = 50;
const TARGET_SHARE = 0.5;
const WARM_UP_SECONDS = 1;
const SUCCESS_FLAG = "<flag>success</flag>";

interface Server {
  readonly process: ServerProcess;
  readonly url: URL;
}

interface LoadRun extends SignedLoadResult {
  /** Connection errors (timeouts included) plus answers other than HTTP 200 with flag success. */
  readonly failures: number;
  /** CPU the server spent per answered request, in µs. */
  readonly cpuMicrosPerRequest: number;
}

async function startServer(kind: "sandbox" | "bare"): Promise<Server> {
  const process = await startServerProcess(SERVE, [kind, "--orders", String(BENCH_ORDER_COUNT)]);
  return { process, url: new URL((process.started as { url: string }).url) };
}

async function cpuMicros(server: Server): Promise<number> {
  return ((await server.process.ask("cpu")) as { cpuMicros: number }).cpuMicros;
}

const cancels = Array.from({ length: BENCH_ORDER_COUNT }, (_, index) => benchCancel(index));

async function load(server: Server, connections: number, seconds: number): Promise<LoadRun> {
  let failedAnswers = 0;
  const cpuBefore = await cpuMicros(server);
  const result = await runSignedLoad({
    url: server.url,
    caller: BENCH_CALLER,
    cancels,
    connections,
    until: { seconds },
    onAnswer: ({ status, body }) => {
      // A flag check, not a full decode: the load generator must cost the same for both servers.
      if (status !== 200 || !body.includes(SUCCESS_FLAG)) failedAnswers++;
    },
  });
  const cpuMicrosPerRequest = ((await cpuMicros(server)) - cpuBefore) / result.answered;
  return { ...result, failures: result.errors + failedAnswers, cpuMicrosPerRequest };
}

function measurement(connections: number, sandbox: LoadRun, bare: LoadRun): Measurement {
  return {
    case: `concurrency ${connections}`,
    unit: "req/s",
    better: "higher",
    ours: sandbox.requestsPerSecond,
    baseline: bare.requestsPerSecond,
    details: {
      "p50/p99 ms": `${sandbox.latencyMs.p50.toFixed(2)}/${sandbox.latencyMs.p99.toFixed(2)}`,
      "bare p50/p99 ms": `${bare.latencyMs.p50.toFixed(2)}/${bare.latencyMs.p99.toFixed(2)}`,
      "CPU µs/req": sandbox.cpuMicrosPerRequest,
      "bare CPU µs/req": bare.cpuMicrosPerRequest,
      errors: sandbox.failures,
      "bare errors": bare.failures,
      timeouts: sandbox.timeouts + bare.timeouts,
    },
  };
}

export const sandboxBenchmark: Benchmark = {
  id: "sandbox",
  name: "sandbox WMS under load",
  async run(settings) {
    const sandbox = await startServer("sandbox");
    try {
      const bare = await startServer("bare");
      try {
        for (const server of [sandbox, bare]) await load(server, 10, WARM_UP_SECONDS);
        const measurements: Measurement[] = [];
        const runs: LoadRun[] = [];
        for (const connections of CONCURRENCIES) {
          const ours = await load(sandbox, connections, settings.sandboxSeconds);
          const baseline = await load(bare, connections, settings.sandboxSeconds);
          runs.push(ours, baseline);
          measurements.push(measurement(connections, ours, baseline));
        }
        const atTarget = measurements.find(({ case: name }) => name === `concurrency ${TARGET_CONCURRENCY}`);
        const share = atTarget === undefined ? Number.NaN : atTarget.ours / atTarget.baseline;
        const failures = runs.reduce((sum, run) => sum + run.failures, 0);
        const checks: Check[] = [
          {
            name: `sandbox/bare throughput at concurrency ${TARGET_CONCURRENCY}`,
            value: share,
            target: `≥ ${TARGET_SHARE}`,
            met: share >= TARGET_SHARE,
          },
          { name: "errors and timeouts, all runs, both servers", value: failures, target: "0", met: failures === 0 },
        ];
        return {
          name: this.name,
          ours: `the sandbox WMS (src/wms) holding ${BENCH_ORDER_COUNT} orders: signature, timestamp and XML checks, then the cancel`,
          baseline: "a bare node:http server that reads the body and answers the same success envelope, fixed bytes",
          measurements,
          checks,
        };
      } finally {
        await bare.process.stop();
      }
    } finally {
      await sandbox.process.stop();
    }
  },
};
