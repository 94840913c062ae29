/**
 * Sizes of the stamina tests: CI-sized by default, larger through the environment, e.g.
 * `STAMINA_LOAD_REQUESTS=50000 STAMINA_FUZZ_RUNS=100000 npm run stamina`.
 */
export interface StaminaKnobs {
  /** Requests of the load test, each cancelling an order of its own. */
  readonly loadRequests: number;
  /** Property runs against the decoder; the sandbox over HTTP gets a quarter of them. */
  readonly fuzzRuns: number;
  /** fast-check's seed: a failure reproduces with the seed it reports. */
  readonly seed: number;
}

function integerFromEnvironment(name: string, fallback: number, minimum: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be an integer of at least ${minimum}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export const STAMINA: StaminaKnobs = {
  loadRequests: integerFromEnvironment("STAMINA_LOAD_REQUESTS", 3000, 50),
  fuzzRuns: integerFromEnvironment("STAMINA_FUZZ_RUNS", 2000, 4),
  seed: integerFromEnvironment("STAMINA_SEED", 20250115, -(2 ** 31)),
};
