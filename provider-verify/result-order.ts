import { performance } from "node:perf_hooks";
import type { InteractionResult } from "./results.js";

/** How far a verification has come: results reported (in contract order) of all. */
export interface VerifyProgress {
  readonly reported: number;
  readonly total: number;
  readonly elapsedMs: number;
}

/**
 * The results of a run, taken in any order and announced in contract order: each as soon as every
 * interaction before it has its result. While none is announced for `intervalMs`, `onProgress` is
 * told how far the run has come, so a long run is never silent.
 */
export class ResultsInOrder {
  readonly #results: (InteractionResult | undefined)[];
  readonly #onResult: ((result: InteractionResult) => void) | undefined;
  #announced = 0;
  readonly #progress: NodeJS.Timeout;

  constructor(
    total: number,
    hooks: {
      readonly onResult?: ((result: InteractionResult) => void) | undefined;
      readonly onProgress?: ((progress: VerifyProgress) => void) | undefined;
      readonly intervalMs: number;
    },
  ) {
    this.#results = Array.from({ length: total }, () => undefined);
    this.#onResult = hooks.onResult;
    const started = performance.now();
    let announcedBefore = this.#announced;
    this.#progress = setInterval(() => {
      if (this.#announced === announcedBefore) {
        hooks.onProgress?.({ reported: this.#announced, total, elapsedMs: Math.round(performance.now() - started) });
      }
      announcedBefore = this.#announced;
    }, hooks.intervalMs);
  }

  /** Takes an interaction's result, once: a second result for the same position is ignored. */
  settle(index: number, result: InteractionResult): void {
    if (this.#results[index] !== undefined) return;
    this.#results[index] = result;
    while (this.#announced < this.#results.length) {
      const next = this.#results[this.#announced];
      if (next === undefined) break;
      this.#onResult?.(next);
      this.#announced += 1;
    }
  }

  /** Stops the progress reports; resolves nothing else. */
  stop(): void {
    clearInterval(this.#progress);
  }

  /** The results taken so far, in contract order. */
  finished(): InteractionResult[] {
    return this.#results.filter((result): result is InteractionResult => result !== undefined);
  }
}
