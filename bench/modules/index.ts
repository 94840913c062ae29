import type { Benchmark } from "../lib/report.js";
import { consumerBenchmark } from "./consumer.js";
import { protocolBenchmark } from "./protocol.js";
import { sandboxBenchmark } from "./sandbox.js";
import { verifyBenchmark } from "./verify.js";

/** Every benchmark `npm run bench` runs, in this order. A new one is a module here and one entry. */
export const BENCHMARKS: readonly Benchmark[] = [
  protocolBenchmark,
  sandboxBenchmark,
  consumerBenchmark,
  verifyBenchmark,
];
