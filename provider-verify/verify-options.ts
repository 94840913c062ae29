import { availableParallelism } from "node:os";
import { parseQimenEndpoint } from "../src/client/qimen-client.js";
import { OptionError } from "../src/protocol/errors.js";
import type { MethodNameForm } from "../src/protocol/system-params.js";
import { requiredStates, type Contract } from "./contracts.js";
import { invalidPart, type Part } from "./partition.js";
import type { VerifyProgress } from "./result-order.js";
import type { InteractionResult } from "./results.js";
import { MAX_TIMEOUT_MS } from "./transport.js";

export const DEFAULT_TIMEOUT_MS = 10_000;
/** How long verification may go without a result before onProgress is told. */
export const PROGRESS_INTERVAL_MS = 10_000;

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

/** The options once checked, as the run uses them. */
export interface Settings {
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
 * Every option checked once, before anything is verified: one the run cannot honour is an
 * OptionError (code QIMEN_OPTION_INVALID) naming it.
 */
export function checkOptions(options: VerifyProviderOptions): Settings {
  const providerUrl = endpoint(options.providerUrl);
  if (typeof options.secret !== "string" || options.secret === "") {
    throw new OptionError(
      "secret",
      "the provider's app secret, which the gateway signs every call with",
      options.secret,
    );
  }
  const methodName = options.methodName ?? "short";
  if (methodName !== "short" && methodName !== "long") {
    throw new OptionError("methodName", '"short" (order.cancel) or "long" (taobao.qimen.order.cancel)', methodName);
  }
  const stateChangeUrl =
    options.stateChangeUrl === undefined ? undefined : httpUrl(options.stateChangeUrl, "stateChangeUrl");
  if (options.contracts.length === 0) throw new OptionError("contracts", "at least one contract", options.contracts);
  const states = requiredStates(options.contracts);
  if (stateChangeUrl === undefined && states.length > 0) {
    const named = states.map((state) => `"${state}"`).join(", ");
    throw new OptionError(
      "stateChangeUrl",
      `the provider's Pact state-change endpoint: the contracts need provider states (${named})`,
      undefined,
    );
  }
  const jobs = options.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new OptionError("jobs", "a positive integer of worker processes", jobs);
  const { part } = options;
  if (part !== undefined && invalidPart(part) !== undefined) {
    throw new OptionError("part", "part K of N, a whole N from 1 and K from 1 to N", `${part.index}/${part.count}`);
  }
  return {
    providerUrl,
    stateChangeUrl,
    methodName,
    timeoutMs: milliseconds(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, "timeoutMs"),
    jobs,
    progressIntervalMs: milliseconds(options.progressIntervalMs ?? PROGRESS_INTERVAL_MS, "progressIntervalMs"),
    sensitive: [options.secret, ...urlSecrets(stateChangeUrl)],
  };
}

function endpoint(value: string | URL): URL {
  try {
    return parseQimenEndpoint(String(value));
  } catch (error) {
    throw new OptionError("providerUrl", `a Qimen endpoint (${(error as Error).message})`, String(value));
  }
}

function milliseconds(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new OptionError(
      name,
      `a positive integer of milliseconds, at most ${MAX_TIMEOUT_MS} (Node's longest timer)`,
      value,
    );
  }
  return value;
}

function httpUrl(value: string | URL, name: string): URL {
  const url = URL.canParse(String(value)) ? new URL(String(value)) : undefined;
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new OptionError(name, "an absolute http(s) URL", String(value));
  }
  return url;
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
