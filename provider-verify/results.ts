import type { ClientView } from "./client-view.js";
import type { ContractInteraction, ProviderState } from "./contracts.js";

export type Verdict = "passed" | "failed";

/**
 * Why an interaction failed:
 * - `state-setup`: the provider state could not be set (unknown state, bad params, endpoint down);
 * - `not-delivered`: the call got no HTTP answer (refused, timeout, closed);
 * - `contract-mismatch`: Pact's matcher found the answer differs from the contract;
 * - `client-rejects`: the ERP client would not accept the answer, whatever Pact says;
 * - `flag-differs`: the ERP client would read another flag than the contract's;
 * - `missing-detail`: the ERP client would show no code or message where the contract has one
 *   (blank, or the literal `null`, which it reads as absent);
 * - `sdk-unreadable`: the official Qimen Java SDK (DefaultQimenClient) cannot read the answer (a
 *   byte-order mark, text before the XML, a quoted charset): every SDK-based ERP fails on it;
 * - `sdk-flag-differs`: the SDK would take the answer for another outcome than the contract's,
 *   comparing the exact text of `<flag>` (` success `, `success` + U+00A0);
 * - `content-type`: a charset other than UTF-8, which Qimen does not allow;
 * - `signature-refused`: the WMS answered a correctly signed call with `sign-check-failure`: it
 *   checks signs with another secret or app key than the verifier's;
 * - `verifier`: the verifier itself could not judge, or called the provider twice for one
 *   interaction (reported, never passed).
 */
export type FailureKind =
  | "state-setup"
  | "not-delivered"
  | "contract-mismatch"
  | "client-rejects"
  | "flag-differs"
  | "missing-detail"
  | "sdk-unreadable"
  | "sdk-flag-differs"
  | "content-type"
  | "signature-refused"
  | "verifier";

export interface FailureReason {
  readonly kind: FailureKind;
  /** Where it differs: `body response/flag (text)`, `HTTP status`, a state name, the provider URL. */
  readonly where: string;
  /** Plain words: expected vs actual. */
  readonly message: string;
}

export interface ResponseSummary {
  readonly status: number;
  readonly contentType?: string;
  /** The start of the body as text, redacted (see redactor in verdict.ts). */
  readonly bodyExcerpt: string;
}

/** How one interaction went, named by the fields the contract identifies it with. */
export interface InteractionResult extends Pick<
  ContractInteraction,
  "contract" | "consumer" | "provider" | "description" | "states" | "badSignature"
> {
  readonly verdict: Verdict;
  readonly durationMs: number;
  /** Empty when passed. */
  readonly reasons: readonly FailureReason[];
  /**
   * Worth knowing, never a failure: a byte-order mark or a default namespace removed before
   * matching, a failed teardown.
   */
  readonly notes: readonly string[];
  readonly response?: ResponseSummary;
  readonly client?: ClientView;
  /**
   * Set on a failure in a pact the Pact Broker marks pending or work in progress: reported, and
   * published as failed, but it does not fail the build (Pact's pending pacts).
   */
  readonly pending?: true;
}

export interface VerificationReport {
  /** Origin and path of the provider: never a query, never credentials. */
  readonly providerUrl: string;
  readonly stateChangeUrl?: string;
  readonly methodName: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly contracts: readonly string[];
  /** SHA-256 of each contract's content, in the order of `contracts`: parts of one run must agree (report merge). */
  readonly contractDigests: readonly string[];
  /** The provider's version, as given, so that parts of different builds are never merged. */
  readonly providerVersion?: string;
  /** Set for `verify --shard K/N`: this report holds part K of N of `total` interactions (see partition.ts). */
  readonly part?: { readonly index: number; readonly count: number; readonly total: number };
  /** Set when the provider could not be reached at all: every interaction failed without a call. */
  readonly unreachable?: string;
  readonly interactions: readonly InteractionResult[];
  readonly summary: { readonly total: number; readonly passed: number; readonly failed: number };
}

/** Failures in pending (or WIP) pacts: reported, but not failing the build. */
export function pendingFailures(report: VerificationReport): number {
  return report.interactions.filter((result) => result.verdict === "failed" && result.pending === true).length;
}

/** A state given as `name (key=value, …)`, for one-line reports. */
export function describeStates(states: readonly ProviderState[]): string {
  return states
    .map(({ name, params }) => {
      const pairs = Object.entries(params).map(
        ([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`,
      );
      return pairs.length === 0 ? name : `${name} (${pairs.join(", ")})`;
    })
    .join("; ");
}
