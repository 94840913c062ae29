import { performance } from "node:perf_hooks";
import { median } from "../../test/support/stats.js";

const BATCH = 64;
const WARM_UP_MS = 100;
const ROUNDS = 3;

function opsPerSecond(operation: () => unknown, milliseconds: number): number {
  let operations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < milliseconds) {
    for (let index = 0; index < BATCH; index++) operation();
    operations += BATCH;
    elapsed = performance.now() - started;
  }
  return (operations / elapsed) * 1000;
}

/**
 * Operations per second of `ours` and `baseline`, each the median of three rounds taken in turn
 * (so a slow moment of a shared machine hits both), after a warm-up of both.
 */
export function compareOpsPerSecond(
  ours: () => unknown,
  baseline: () => unknown,
  milliseconds: number,
): { ours: number; baseline: number } {
  opsPerSecond(ours, WARM_UP_MS);
  opsPerSecond(baseline, WARM_UP_MS);
  const oursRounds: number[] = [];
  const baselineRounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    oursRounds.push(opsPerSecond(ours, milliseconds / ROUNDS));
    baselineRounds.push(opsPerSecond(baseline, milliseconds / ROUNDS));
  }
  return { ours: median(oursRounds), baseline: median(baselineRounds) };
}
