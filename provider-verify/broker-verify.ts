import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertQimenContract, parseContract, type Contract } from "./contracts.js";
import {
  fetchPactsForVerification,
  publishVerificationResult,
  recordBranchVersion,
  type BrokerConnection,
  type BrokerPact,
  type PactsForVerificationQuery,
  type TestResult,
  type VerificationResultBody,
} from "./broker.js";
import { packageRoot } from "../src/package-paths.js";
import type { FailureKind, FailureReason, InteractionResult, VerificationReport } from "./results.js";

/*
 * verify's Pact Broker path: the pacts the broker selects become contracts for verifyProvider,
 * pending and WIP pacts' failures are marked so they do not fail the build, and each pact gets one
 * verification result with its per-interaction results.
 */

/** A pact from the broker and the contract read from it. */
export interface BrokerContract {
  readonly pact: BrokerPact;
  /** Its `path` is the pact's URL at the broker: reports name the pact by it. */
  readonly contract: Contract;
}

/**
 * The pacts the broker selects for the provider, read as contracts. Throws QIMEN_BROKER_* (see
 * broker.ts), or QIMEN_CONTRACT_INVALID naming the pact and interaction that is no Qimen contract.
 */
export async function contractsFromBroker(
  connection: BrokerConnection,
  query: PactsForVerificationQuery,
): Promise<BrokerContract[]> {
  const pacts = await fetchPactsForVerification(connection, query);
  return pacts.map((pact) => {
    const contract = parseContract(pact.url, pact.text);
    assertQimenContract(contract);
    return { pact, contract };
  });
}

/** What to print before verifying: each pact, why the broker selected it, and its notices. */
export function brokerPactsHeader(pacts: readonly BrokerContract[]): string {
  return pacts
    .map(({ pact }) => {
      const marks = [...(pact.pending ? ["pending"] : []), ...(pact.wip ? ["work in progress"] : [])];
      const heading = `Pact: ${pact.shortDescription}${marks.length === 0 ? "" : ` (${marks.join(", ")})`} ${pact.url}`;
      return [heading, ...pact.notices.map((notice) => `  ${notice}`)].map((line) => `${line}\n`).join("");
    })
    .join("");
}

/** Marks a failure of a pending or WIP pact `pending`, so it does not fail the build; other results stay as they are. */
export function pendingMarker(pacts: readonly BrokerContract[]): (result: InteractionResult) => InteractionResult {
  const pending = new Set(pacts.filter(({ pact }) => pact.pending || pact.wip).map(({ contract }) => contract.path));
  return (result) =>
    result.verdict === "failed" && pending.has(result.contract) ? { ...result, pending: true } : result;
}

export interface ProviderVersion {
  readonly provider: string;
  readonly version: string;
  /** Put the version on this branch before publishing. */
  readonly branch?: string;
}

/** One pact's verification result, as published. */
export interface PactPublication {
  readonly pact: BrokerPact;
  readonly result: VerificationResultBody;
}

/**
 * One verification result per pact, from the report's results of its interactions (the report
 * lists each contract's interactions in contract order). Throws when the report does not hold
 * exactly one result per interaction of a pact: a partial verification is never published.
 */
export function verificationResults(
  report: VerificationReport,
  pacts: readonly BrokerContract[],
  version: string,
): PactPublication[] {
  return pacts.map(({ pact, contract }) => {
    const results = report.interactions.filter((result) => result.contract === contract.path);
    if (results.length !== contract.interactions.length) {
      throw new RangeError(
        `the report holds ${results.length} results for the ${contract.interactions.length} interactions of ${contract.path}: a partial verification is not published`,
      );
    }
    const testResults = results.map((result, position) =>
      testResult(result, contract.interactions[position]?.source["_id"]),
    );
    return {
      pact,
      result: {
        success: testResults.every((one) => one.success),
        providerApplicationVersion: version,
        testResults,
        verifiedBy: VERIFIED_BY,
      },
    };
  });
}

/**
 * Publishes the results: first the provider version's branch, once, then one result per pact.
 * Tells `onPublished` of each. Throws QIMEN_BROKER_* at the first refusal.
 */
export async function publishResults(
  connection: BrokerConnection,
  publications: readonly PactPublication[],
  provider: ProviderVersion,
  onPublished: (publication: PactPublication) => void,
): Promise<void> {
  if (provider.branch !== undefined) {
    await recordBranchVersion(connection, {
      pacticipant: provider.provider,
      branch: provider.branch,
      version: provider.version,
    });
  }
  for (const publication of publications) {
    if (publication.pact.publishUrl === undefined) {
      throw new RangeError(
        `the pact ${publication.pact.url} has no pb:publish-verification-results link: the Pact Broker takes no result for it`,
      );
    }
    await publishVerificationResult(connection, publication.pact.publishUrl, publication.result);
    onPublished(publication);
  }
}

const VERIFIED_BY = {
  implementation: "qimen-pact",
  version: (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version,
} as const;

/** Failures that are not about the answer: Pact's reference verifier reports such as exceptions. */
const EXCEPTION_KINDS: ReadonlySet<FailureKind> = new Set(["state-setup", "not-delivered", "verifier"]);

function testResult(result: InteractionResult, id: unknown): TestResult {
  const mismatches = result.reasons.filter((reason) => !EXCEPTION_KINDS.has(reason.kind)).map(mismatch);
  const exceptions = result.reasons
    .filter((reason) => EXCEPTION_KINDS.has(reason.kind))
    .map((reason) => ({ message: `${reason.where}: ${reason.message}` }));
  return {
    ...(typeof id === "string" ? { interactionId: id } : {}),
    interactionDescription: result.description,
    success: result.verdict === "passed",
    ...(mismatches.length === 0 ? {} : { mismatches }),
    ...(exceptions.length === 0 ? {} : { exceptions }),
  };
}

/** A reason in the broker's mismatch shape: the attribute of the answer it concerns, where, and what. */
function mismatch(reason: FailureReason): { attribute: string; identifier: string; description: string } {
  const attribute = reason.where === "HTTP status" ? "status" : reason.where.startsWith("header ") ? "header" : "body";
  return { attribute, identifier: reason.where, description: reason.message };
}
