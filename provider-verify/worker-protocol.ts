import type { MethodNameForm } from "../src/protocol/system-params.js";
import type { PactOutcome } from "./pact-results.js";

/*
 * Pact's verifier core prints its own report straight to the process's stdout, where no Node code
 * can catch it. The verification therefore runs in a child process (pact-worker) whose output is
 * discarded; these are the messages the two exchange over the IPC channel. The secret travels only
 * through this channel: never on a command line or in the child's environment.
 */

export interface WorkerJob {
  readonly gateway: {
    readonly providerUrl: string;
    readonly secret: string;
    readonly appKey?: string;
    readonly customerId?: string;
    readonly methodName: MethodNameForm;
  };
  readonly stateChangeUrl?: string;
  readonly timeoutMs: number;
  /** Run one after the other, each in one Pact verifier run. */
  readonly shards: readonly WorkerShard[];
}

export interface WorkerShard {
  /** A Pact file holding the shard's interactions, marked (see shards.ts). */
  readonly pactFile: string;
  readonly provider: string;
  readonly interactions: readonly ShardInteraction[];
}

export interface ShardInteraction {
  /** Position in the parent's list of interactions: what the shard's markers say. */
  readonly index: number;
  readonly badSignature: boolean;
  /** The response headers Pact checks for it, lower case (see checkedHeaderNames in shards.ts). */
  readonly checkedHeaders: readonly string[];
  /** HTTP calls it makes at most: one delivery, a setup and a teardown per provider state. */
  readonly calls: number;
}

export interface StateChangeRecord {
  readonly state: string;
  readonly action: string;
  /** Undefined when the provider accepted it, else why not. */
  readonly failure?: string;
}

export type DeliveryRecord =
  | {
      readonly delivered: true;
      readonly status: number;
      readonly headers: readonly (readonly [string, string])[];
      /** The body exactly as received (inflated when it came gzip-encoded), base64. */
      readonly body: string;
      /** What was removed from the body before Pact matched it (see pact-relay.ts). */
      readonly removedForPact: readonly RemovedForPact[];
    }
  | { readonly delivered: false; readonly failure: string; readonly unreachable: boolean };

/**
 * What the relay changed before Pact matched the answer (see forPact in pact-relay.ts): what XML
 * allows and the ERP client accepts, but Pact's XML matcher does not (a leading UTF-8 byte-order
 * mark, a default namespace on the root element, which Pact names `{ns}:response`); a gzip
 * encoding, inflated by the relay; a body the ERP client refuses for its size or depth, withheld.
 */
export type RemovedForPact = "byte-order-mark" | "root-default-namespace" | "gzip-content-encoding" | "body-withheld";

export interface RunRecord {
  readonly index: number;
  readonly durationMs: number;
  readonly stateChanges: readonly StateChangeRecord[];
  /** Absent when Pact never asked for the call (e.g. the state setup failed). */
  readonly delivery?: DeliveryRecord;
  /** What went wrong in our relay besides the delivery itself, e.g. a second delivery asked for. */
  readonly relayProblems: readonly string[];
  /** Pact's verdict on this interaction alone. */
  readonly pact: PactOutcome;
  /** Values that must never appear in a report (the signs sent); the parent redacts them. */
  readonly sensitive: readonly string[];
}

export type WorkerMessage =
  /** A shard's records, in shard order, once its Pact run is over. */
  | { readonly type: "shard"; readonly records: readonly RunRecord[] }
  | { readonly type: "done" }
  | { readonly type: "failed"; readonly message: string };
