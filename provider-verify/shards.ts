import type { Contract, ContractInteraction } from "./contracts.js";

/*
 * Verification runs in shards: one Pact verifier run per shard of a contract's interactions, the
 * shards spread over worker processes. Pact's verifier copies the whole pact for each interaction
 * it verifies (its cost per interaction grows with the file) and verifies one interaction at a
 * time, so many small runs in parallel processes stay linear where one big run does not.
 *
 * A run of many interactions must still say which interaction each event belongs to. The shard's
 * copy of every interaction carries its position in the whole verification three times, each
 * read where it arrives and removed before anything reaches the WMS:
 * - as the interaction's `_id` (the Pact Broker's field), which Pact's result repeats as
 *   `interactionId` on each verdict and mismatch;
 * - as a parameter of each provider state, which the state-change call carries;
 * - as a request header, which the call to deliver carries.
 */

/** Most interactions per Pact run: 25–50 keep the verifier's cost per interaction flat. */
export const MAX_SHARD_SIZE = 40;
/**
 * Fewest interactions worth a worker process of their own: starting one (Node, the Pact core)
 * costs about as much as verifying this many, so small contracts stay in one process.
 */
export const MIN_SHARD_SIZE = 25;

export const MARKER_HEADER = "x-qimen-pact-interaction";
export const MARKER_PARAM = "qimenPactInteraction";
const ID_PREFIX = "qimen-pact-";

/** One interaction to verify and its position in the whole verification (contract order). */
export interface PlannedInteraction {
  readonly index: number;
  readonly contract: Contract;
  readonly interaction: ContractInteraction;
}

export interface Shard {
  readonly contract: Contract;
  readonly entries: readonly PlannedInteraction[];
}

export interface ShardOptions {
  /** Worker processes that will run the shards. */
  readonly jobs: number;
  /** Largest shard. Default MAX_SHARD_SIZE. */
  readonly maxShardSize?: number;
}

/**
 * Splits the interactions (in contract order) into shards: never across contracts, near-equal in
 * size, at most `maxShardSize`, and enough of them to keep `jobs` workers busy once there are more
 * than MIN_SHARD_SIZE interactions per worker. An interaction whose states cannot carry the marker
 * (V2's single `providerState`, which has no params) is a shard of its own. Every interaction is
 * in exactly one shard, and the shards in order list them in the order given.
 */
export function planShards(interactions: readonly PlannedInteraction[], options: ShardOptions): Shard[] {
  const { jobs, maxShardSize = MAX_SHARD_SIZE } = options;
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`jobs must be a positive integer, got ${jobs}`);
  if (!Number.isInteger(maxShardSize) || maxShardSize < 1) {
    throw new RangeError(`maxShardSize must be a positive integer, got ${maxShardSize}`);
  }
  const size = Math.min(maxShardSize, Math.max(MIN_SHARD_SIZE, Math.ceil(interactions.length / jobs)));
  const segments: PlannedInteraction[][] = [];
  let open: PlannedInteraction[] | undefined;
  for (const entry of interactions) {
    if (!statesTakeMarker(entry.interaction)) {
      segments.push([entry]);
      open = undefined;
    } else if (open !== undefined && open[0]?.contract === entry.contract) {
      open.push(entry);
    } else {
      open = [entry];
      segments.push(open);
    }
  }
  return segments.flatMap((segment) => {
    const count = Math.ceil(segment.length / size);
    return Array.from({ length: count }, (_, s) => ({
      contract: segment[0]?.contract as Contract,
      entries: segment.slice(Math.floor((s * segment.length) / count), Math.floor(((s + 1) * segment.length) / count)),
    }));
  });
}

function statesTakeMarker(interaction: ContractInteraction): boolean {
  return interaction.states.length === 0 || Array.isArray(interaction.source["providerStates"]);
}

/** The Pact file of a shard: the contract with only the shard's interactions, each marked. */
export function shardPact(shard: Shard): string {
  return JSON.stringify({
    ...shard.contract.source,
    interactions: shard.entries.map(({ index, interaction }) => marked(interaction.source, index)),
  });
}

function marked(source: Readonly<Record<string, unknown>>, index: number): Record<string, unknown> {
  const request = source["request"] as Record<string, unknown>;
  const headers = isRecord(request["headers"]) ? request["headers"] : {};
  const states = source["providerStates"];
  return {
    ...source,
    _id: interactionId(index),
    request: { ...request, headers: { ...headers, [MARKER_HEADER]: String(index) } },
    ...(Array.isArray(states)
      ? {
          providerStates: states.map((state: Record<string, unknown>) => ({
            ...state,
            params: { ...(isRecord(state["params"]) ? state["params"] : {}), [MARKER_PARAM]: index },
          })),
        }
      : {}),
  };
}

/**
 * The response headers Pact checks for an interaction, lower case: those its response names and
 * those its matching rules name (V3/V4 `header` rules, V2 `$.headers.…` paths).
 */
export function checkedHeaderNames(source: Readonly<Record<string, unknown>>): string[] {
  const response = isRecord(source["response"]) ? source["response"] : {};
  const rules = isRecord(response["matchingRules"]) ? response["matchingRules"] : {};
  const names = [
    ...Object.keys(isRecord(response["headers"]) ? response["headers"] : {}),
    ...Object.keys(isRecord(rules["header"]) ? rules["header"] : {}),
    ...Object.keys(rules).flatMap((path) => (path.startsWith("$.headers.") ? [path.slice("$.headers.".length)] : [])),
  ];
  return [...new Set(names.map((name) => name.toLowerCase()))];
}

/** The `_id` the shard's copy of an interaction carries, which Pact reports as `interactionId`. */
export function interactionId(index: number): string {
  return `${ID_PREFIX}${index}`;
}

/** The interaction a call's marker header names, if any. */
export function markedCall(headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined {
  const value = headers[MARKER_HEADER];
  return typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The interaction a state change's marker param names, if any, and the params without it: what
 * the WMS's state-change endpoint receives is exactly the contract's.
 */
export function markedStateParams(params: unknown): {
  readonly index: number | undefined;
  readonly params: Record<string, unknown>;
} {
  if (!isRecord(params)) return { index: undefined, params: {} };
  const { [MARKER_PARAM]: marker, ...rest } = params;
  return { index: typeof marker === "number" && Number.isInteger(marker) ? marker : undefined, params: rest };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
