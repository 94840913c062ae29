import { clientView, type ClientView } from "./client-view.js";
import type { ContractInteraction } from "./contracts.js";
import type { FailureReason, InteractionResult, ResponseSummary } from "./results.js";
import type { RunRecord } from "./worker-protocol.js";

const EXCERPT_CHARS = 300;

/**
 * The verdict on one interaction. Pact's matcher judges the answer against the contract, and the
 * ERP client's own decoder gives a second opinion:
 * - every mismatch Pact finds fails the interaction (Pact matches the document after a leading
 *   UTF-8 byte-order mark, which XML allows and the client accepts, but Pact's parser does not);
 * - an answer the client would reject fails it even when Pact passes (a duplicated `<flag>`);
 * - so does a flag the client would read differently from the contract's;
 * - a failed state setup or an undelivered call fails it, and Pact's findings, being mere
 *   consequences, are left out;
 * - a Pact failure without any finding we can read still fails it: the gate never passes on doubt.
 */
export function judgeInteraction(interaction: ContractInteraction, record: RunRecord): InteractionResult {
  const reasons: FailureReason[] = [];
  const notes: string[] = [];
  for (const change of record.stateChanges) {
    if (change.failure === undefined) continue;
    if (change.action === "setup") {
      reasons.push({ kind: "state-setup", where: `state "${change.state}"`, message: change.failure });
    } else notes.push(`${change.action} of state "${change.state}" failed: ${change.failure}`);
  }
  const delivery = record.delivery;
  if (delivery?.delivered === false)
    reasons.push({ kind: "not-delivered", where: "provider", message: delivery.failure });

  const pact = record.pact;
  let response: ResponseSummary | undefined;
  let client: ClientView | undefined;
  if (reasons.length === 0) {
    for (const problem of pact.problems) {
      reasons.push({ kind: problem.where === "verifier" ? "verifier" : "contract-mismatch", ...problem });
    }
    if (delivery?.delivered === true) {
      const body = Buffer.from(delivery.body, "base64");
      response = summarise(delivery.status, delivery.headers, body);
      if (delivery.bomRemoved) {
        notes.push(
          "the answer starts with a UTF-8 byte-order mark (XML allows it, the ERP client accepts it): Pact matched the document after it",
        );
      }
      client = clientView(delivery.status, body);
      const flagAlreadyReported = reasons.some((reason) => reason.where.startsWith("body response/flag"));
      if (!client.accepts) {
        reasons.push({
          kind: "client-rejects",
          where: "ERP client",
          message: `would reject this answer: ${client.reason}`,
        });
      } else if (
        interaction.expectedFlag !== undefined &&
        client.flag !== interaction.expectedFlag &&
        !flagAlreadyReported
      ) {
        reasons.push({
          kind: "flag-differs",
          where: "ERP client",
          message: `would read flag "${client.flag}" where the contract says "${interaction.expectedFlag}"`,
        });
      }
    }
  }
  if (!pact.passed && reasons.length === 0) {
    reasons.push({ kind: "verifier", where: "verifier", message: "Pact reported a failure without details" });
  }
  return {
    ...identity(interaction),
    verdict: reasons.length === 0 ? "passed" : "failed",
    durationMs: record.durationMs,
    reasons,
    notes,
    ...(response === undefined ? {} : { response }),
    ...(client === undefined ? {} : { client }),
  };
}

/** A failed result for an interaction that never ran, with the same reason for each. */
export function failedWithoutRun(interaction: ContractInteraction, reason: FailureReason): InteractionResult {
  return { ...identity(interaction), verdict: "failed", durationMs: 0, reasons: [reason], notes: [] };
}

function identity(interaction: ContractInteraction) {
  return {
    contract: interaction.contract,
    consumer: interaction.consumer,
    provider: interaction.provider,
    description: interaction.description,
    states: interaction.states,
    badSignature: interaction.badSignature,
  };
}

function summarise(status: number, headers: readonly (readonly [string, string])[], body: Buffer): ResponseSummary {
  const contentType = headers.find(([name]) => name === "content-type")?.[1];
  const text = body.toString("utf8");
  return {
    status,
    ...(contentType === undefined ? {} : { contentType }),
    bodyExcerpt: text.length <= EXCERPT_CHARS ? text : `${text.slice(0, EXCERPT_CHARS)}…`,
  };
}

/**
 * Replaces every given secret value (the app secret, the signs sent) and any `sign=` query value
 * in every string of a result, however the provider echoed them.
 */
export function redactor(sensitive: readonly string[]): <T>(value: T) => T {
  const values = [...new Set(sensitive.filter((value) => value !== ""))].sort((a, b) => b.length - a.length);
  const redactText = (text: string): string =>
    values
      .reduce((redacted, value) => redacted.replaceAll(value, "<redacted>"), text)
      .replace(/([?&;]sign=)[^&\s"'<]+/g, "$1<redacted>");
  return <T>(value: T): T =>
    JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
      typeof item === "string" ? redactText(item) : item,
    ) as T;
}
