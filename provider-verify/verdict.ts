import type { Redact } from "../src/redaction.js";
import { readAsSdk, type SdkProblem, type SdkReading } from "../src/protocol/sdk-reading.js";
import { clientView, type ClientView } from "./client-view.js";
import type { AnswerDetail, ContractInteraction } from "./contracts.js";
import type { FailureReason, InteractionResult, ResponseSummary } from "./results.js";
import type { RemovedForPact, RunRecord } from "./worker-protocol.js";

const EXCERPT_CHARS = 300;
/** The code Qimen's go-live check expects of a WMS that cannot verify a sign (docs/protocol.md, §4 "Signing"). */
export const SIGN_CHECK_FAILURE_CODE = "sign-check-failure";

const REMOVED_FOR_PACT: Readonly<Record<RemovedForPact, string>> = {
  "byte-order-mark": "the answer starts with a UTF-8 byte-order mark: Pact matched the document after it",
  "root-default-namespace":
    "the answer's root declares a default XML namespace (xmlns), which the ERP client ignores: Pact matched the document without it",
  "gzip-content-encoding":
    "the answer came gzip-compressed (Content-Encoding: gzip, which the official Qimen Java SDK asks for and inflates): it was judged inflated",
  "body-withheld":
    "the answer's body was not shown to Pact's matcher, which takes unbounded time on so large or deep a document: the ERP client's refusal is the verdict",
};

// The redaction is shared with `cancel` (src/redaction.ts); verify's callers take it with the verdict.
export { redactor, type Redact } from "../src/redaction.js";

/**
 * The verdict on one interaction. Pact's matcher judges the answer against the contract, and the
 * ERP client's own decoder gives a second opinion:
 * - every mismatch Pact finds fails the interaction (Pact matches the document after a leading
 *   UTF-8 byte-order mark and without a default namespace on the root, which XML allows and the
 *   client accepts, but Pact's matcher does not);
 * - an answer the client would reject fails it even when Pact passes (a duplicated `<flag>`);
 * - so does a flag the client would read differently from the contract's;
 * - so does a failure whose code or message the client would not show, where the contract has one
 *   (Pact's patterns accept the text `null`, which the client reads as absent);
 * - so does an answer the official Qimen Java SDK cannot read, or would read another flag from
 *   (see sdkReasons): most ERPs run it, and it is stricter than XML and than our client;
 * - a failed state setup, an undelivered call or a second delivery fails it, and Pact's findings,
 *   being mere consequences, are left out;
 * - a Pact failure without any finding we can read still fails it: the gate never passes on doubt;
 * - so does a `sign-check-failure` answer to a call signed right: the WMS refused our signature, so
 *   it never judged the call, and a failure the contract expects must not pass for that reason.
 * Whatever came from the provider or the wire goes through `redact`; the contract's own text does not.
 */
export function judgeInteraction(
  interaction: ContractInteraction,
  record: RunRecord,
  redact: Redact,
): InteractionResult {
  const reasons: FailureReason[] = [];
  const notes: string[] = [];
  for (const change of record.stateChanges) {
    if (change.failure === undefined) continue;
    const failure = redact(change.failure);
    if (change.action === "setup")
      reasons.push({ kind: "state-setup", where: `state "${change.state}"`, message: failure });
    else notes.push(`${change.action} of state "${change.state}" failed: ${failure}`);
  }
  const delivery = record.delivery;
  if (delivery?.delivered === false) {
    reasons.push({ kind: "not-delivered", where: "provider", message: redact(delivery.failure) });
  }
  for (const problem of record.relayProblems)
    reasons.push({ kind: "verifier", where: "verifier", message: redact(problem) });

  let response: ResponseSummary | undefined;
  let client: ClientView | undefined;
  let sdk: SdkReading | undefined;
  let signatureRefused = false;
  if (delivery?.delivered === true) {
    const body = Buffer.from(delivery.body, "base64");
    response = summarise(delivery.status, delivery.headers, body, redact);
    const view = clientView(delivery.status, body);
    sdk = readAsSdk({ status: delivery.status, contentType: contentTypeOf(delivery.headers), body });
    // Read before redaction: a short secret could mask part of the code.
    signatureRefused =
      !interaction.badSignature &&
      view.accepts &&
      view.flag === "failure" &&
      xmlTrim(view.code ?? "") === SIGN_CHECK_FAILURE_CODE;
    client = redactView(view, redact);
    notes.push(...delivery.removedForPact.map((removed) => REMOVED_FOR_PACT[removed]));
  }
  if (reasons.length === 0) {
    if (signatureRefused) reasons.push(SIGNATURE_REFUSED);
    const sdkProblem =
      sdk?.readable === false && client !== undefined ? reportedSdkProblem(sdk.problem, client) : undefined;
    for (const problem of record.pact.problems) {
      if (sdkProblem !== undefined && isConsequence(problem.where, sdkProblem)) continue;
      reasons.push({
        kind: problem.where === "verifier" ? "verifier" : "contract-mismatch",
        where: problem.where,
        message: redact(problem.message),
      });
    }
    const sdkFound =
      sdk === undefined || client === undefined ? [] : sdkReasons(interaction, sdk, client, reasons, redact);
    reasons.push(...sdkFound);
    // The SDK's reason is the one to act on: the client's opinion of the same answer would only repeat it.
    if (client !== undefined && sdkFound.length === 0) reasons.push(...clientReasons(interaction, client, reasons));
  }
  if (!record.pact.passed && reasons.length === 0) {
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

const SIGNATURE_REFUSED: FailureReason = {
  kind: "signature-refused",
  where: "provider",
  message: `the WMS refused the signature (${SIGN_CHECK_FAILURE_CODE}) and never judged this call: check that --secret and --app-key are the ones it checks signs with, and that it signs the exact bytes received`,
};

/** Where the ERP client parts from the contract, leaving out what Pact already reported. */
function clientReasons(
  interaction: ContractInteraction,
  client: ClientView,
  pactReasons: readonly FailureReason[],
): FailureReason[] {
  const reported = (element: string): boolean => pactReported(pactReasons, element);
  if (!client.accepts) {
    return [{ kind: "client-rejects", where: "ERP client", message: `would reject this answer: ${client.reason}` }];
  }
  const { expectedFlag, expectedDetails = [] } = interaction;
  if (expectedFlag !== undefined && client.flag !== expectedFlag) {
    if (reported("flag")) return [];
    return [
      {
        kind: "flag-differs",
        where: "ERP client",
        message: `would read flag "${client.flag}" where the contract says "${expectedFlag}"`,
      },
    ];
  }
  const blank = (detail: AnswerDetail): boolean => xmlTrim(client[detail] ?? "") === "";
  return expectedDetails
    .filter((detail) => blank(detail) && !reported(detail))
    .map((detail) => ({
      kind: "missing-detail",
      where: "ERP client",
      message: `would show no ${detail}: <${detail}> is missing, blank or the literal "null" (which the client reads as absent), where the contract has one`,
    }));
}

const SDK = "the official Qimen Java SDK (DefaultQimenClient)";

/**
 * Where the official Qimen Java SDK parts from the contract: an answer it cannot read (a BOM, text
 * before the XML, a quoted charset), a charset Qimen does not allow, or a flag whose exact text
 * makes `isSuccess()` (`"success".equals(flag)`) say otherwise than the contract (` success `,
 * `success` + U+00A0; an expected failure is any flag but `success`). Left out when the client
 * already fails the answer for the same cause (not HTTP 200, no XML) or Pact found the flag wrong.
 */
function sdkReasons(
  interaction: ContractInteraction,
  sdk: SdkReading,
  client: ClientView,
  pactReasons: readonly FailureReason[],
  redact: Redact,
): FailureReason[] {
  if (!sdk.readable) {
    if (reportedSdkProblem(sdk.problem, client) === undefined) return [];
    if (sdk.problem === "charset") {
      return [
        {
          kind: "content-type",
          where: "header Content-Type",
          message: `Qimen does not allow this answer: ${redact(sdk.reason)}`,
        },
      ];
    }
    return [
      {
        kind: "sdk-unreadable",
        where: "Qimen Java SDK",
        message: `${SDK} cannot read this answer: ${redact(sdk.reason)}`,
      },
    ];
  }
  const { expectedFlag } = interaction;
  if (expectedFlag === undefined || sdk.success === (expectedFlag === "success")) return [];
  // Pact or the client saying the flag differs already say it best; a client that rejects the flag
  // (U+00A0 after it) leaves the SDK's exact reading to say why.
  if (sdk.flag === undefined || pactReported(pactReasons, "flag")) return [];
  if (client.accepts && client.flag !== expectedFlag) return [];
  const read = `flag ${JSON.stringify(redact(sdk.flag))}`;
  return [
    {
      kind: "sdk-flag-differs",
      where: "Qimen Java SDK",
      message: `${SDK} reads ${read}, which is ${sdk.success ? "success" : "not success"} to it, where the contract says "${expectedFlag}": it compares the exact text of <flag>, so write <flag>${expectedFlag}</flag> with nothing around the word`,
    },
  ];
}

/**
 * The SDK problem the verdict reports, or undefined when the client fails the answer for the same
 * cause already (not HTTP 200, no XML document).
 */
function reportedSdkProblem(problem: SdkProblem, client: ClientView): SdkProblem | undefined {
  return !client.accepts && (problem === "http-status" || problem === "not-xml") ? undefined : problem;
}

/** Pact's findings that merely follow from what the SDK reason says: the same header, or a document Pact could not parse. */
function isConsequence(where: string, problem: SdkProblem): boolean {
  if (problem === "quoted-charset" || problem === "charset") return where.toLowerCase() === "header content-type";
  return (
    (problem === "byte-order-mark" || problem === "text-before-xml") &&
    (where === "body (document)" || where === "body")
  );
}

/** XML's own white space only (space, tab, CR, LF): U+00A0 and U+3000 are content. */
function xmlTrim(text: string): string {
  return text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
}

function contentTypeOf(headers: readonly (readonly [string, string])[]): string | undefined {
  return headers.find(([name]) => name === "content-type")?.[1];
}

/** Whether Pact found the element wrong or missing already. */
function pactReported(pactReasons: readonly FailureReason[], element: string): boolean {
  return pactReasons.some(
    ({ where, message }) =>
      where.startsWith(`body response/${element}`) || (where === "body response" && message.includes(`<${element}/>`)),
  );
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

/** An answer as reports show it: status, Content-Type and the start of the body, redacted. */
export function summarise(
  status: number,
  headers: readonly (readonly [string, string])[],
  body: Buffer,
  redact: Redact,
): ResponseSummary {
  const contentType = contentTypeOf(headers);
  // Redacted before it is cut, so no secret is left half shown at the cut.
  const text = redact(body.toString("utf8"));
  return {
    status,
    ...(contentType === undefined ? {} : { contentType: redact(contentType) }),
    bodyExcerpt: text.length <= EXCERPT_CHARS ? text : `${text.slice(0, EXCERPT_CHARS)}…`,
  };
}

function redactView(view: ClientView, redact: Redact): ClientView {
  if (!view.accepts) return { accepts: false, reason: redact(view.reason) };
  return {
    accepts: true,
    flag: view.flag,
    ...(view.code === undefined ? {} : { code: redact(view.code) }),
    ...(view.message === undefined ? {} : { message: redact(view.message) }),
  };
}
