import { APP_KEY_ENV, SECRET_ENV } from "../src/credential-env.js";
import { junitAttributes as attributes, junitSeconds as seconds, junitText as text } from "../src/junit.js";
import { printable, visibleJson } from "../src/text.js";
import { describeStates, pendingFailures, type InteractionResult, type VerificationReport } from "./results.js";

/** The run's first console line: what is verified against what. */
export function consoleHeader(target: {
  readonly providerUrl: string;
  readonly methodName: string;
  readonly contracts: readonly string[];
}): string {
  const method = target.methodName === "long" ? "taobao.qimen.order.cancel" : "order.cancel";
  return `${printable(`Verifying ${target.providerUrl} (method ${method}) against ${target.contracts.join(", ")}`)}\n`;
}

/**
 * One line per interaction (verdict, description, state, duration), then for a failure each
 * reason in plain words, the state's params and the answer received. Control characters (an ESC
 * in a WMS's message, a newline that would fake a line of its own) are shown escaped, as \u001b.
 */
export function consoleResult(result: InteractionResult): string {
  const line = `${result.verdict === "passed" ? "PASS" : result.pending === true ? "FAIL (pending)" : "FAIL"}  ${[result.description, circumstances(result), `${result.durationMs} ms`].filter((part) => part !== "").join("  ")}`;
  const details = [
    ...result.reasons.map((reason) => `${reason.where}: ${reason.message}`),
    ...(result.verdict === "failed" && result.states.length > 0 ? [`state: ${describeStates(result.states)}`] : []),
    ...(result.verdict === "failed" && result.response !== undefined
      ? [
          `answer: HTTP ${result.response.status} ${result.response.contentType ?? "(no content type)"} ${shownBody(result.response.bodyExcerpt)}`,
        ]
      : []),
    ...result.notes.map((note) => `note: ${note}`),
  ];
  return [line, ...details.map((detail) => `      ${detail}`)].map((text) => `${printable(text)}\n`).join("");
}

export function consoleSummary(report: VerificationReport): string {
  const { total, passed, failed } = report.summary;
  const seconds = (report.durationMs / 1000).toFixed(1);
  const pending = pendingFailures(report);
  const verdict = failed === pending ? "PASSED" : "FAILED";
  const unreachable =
    report.unreachable === undefined ? "" : `${printable(`Provider unreachable: ${report.unreachable}`)}\n`;
  const part =
    report.part === undefined
      ? ""
      : `Part ${report.part.index}/${report.part.count} of ${report.part.total} interactions: `;
  const pendingWords = pending === 0 ? "" : ` (${pending} in pending pacts, which do not fail the build)`;
  return `${unreachable}${signatureHint(report)}${part}${total} interactions: ${passed} passed, ${failed} failed${pendingWords} (${seconds} s). ${verdict}\n`;
}

/**
 * One line when the WMS refused the signature of every correctly signed call: then nothing else
 * was verified, and the cause is almost surely the credentials, not the WMS.
 */
function signatureHint(report: VerificationReport): string {
  const signedRight = report.interactions.filter((result) => !result.badSignature);
  const refused = signedRight.filter((result) => result.reasons.some(({ kind }) => kind === "signature-refused"));
  if (refused.length === 0 || refused.length !== signedRight.length) return "";
  return `The WMS refused the signature of every call: --secret (or ${SECRET_ENV}) and --app-key (or ${APP_KEY_ENV}) must be the ones it checks signs with.\n`;
}

/** The whole console report, as printed by `qimen-pact verify`. */
export function consoleReport(report: VerificationReport): string {
  return consoleHeader(report) + report.interactions.map(consoleResult).join("") + consoleSummary(report);
}

/** The `format` of verify's JSON report; `report merge` reads only this. */
export const JSON_REPORT_FORMAT = "qimen-pact-verify/1";

/** Machine-readable results: the report itself, versioned. */
export function jsonReport(report: VerificationReport): string {
  return `${visibleJson(JSON.stringify({ format: JSON_REPORT_FORMAT, ...report }, null, 2))}\n`;
}

/**
 * The `hostname` of every testsuite. JUnit's schema (Ant's junit.xsd) requires the attribute and
 * prescribes "localhost" when the host is not known; we always write it, so the report stays a
 * pure function of the results (no machine name in it, the same on every agent), and the CI
 * server knows anyway which agent ran the job.
 */
export const JUNIT_HOSTNAME = "localhost";

/**
 * JUnit's `timestamp`: an xs:dateTime without time zone or fractions (`2025-01-15T02:30:00`), as
 * Ant writes it and its schema demands. Ours is the run's start in UTC.
 */
export function junitTimestamp(isoInstant: string): string {
  return isoInstant.slice(0, "YYYY-MM-DDTHH:MM:SS".length);
}

/**
 * JUnit XML as CI servers read it: a testsuite per contract, a testcase per interaction, the
 * reasons of a failure in its `<failure>` element.
 */
export function junitReport(report: VerificationReport): string {
  const suites = report.contracts.map((contract) => {
    const cases = report.interactions.filter((result) => result.contract === contract);
    const failures = cases.filter((result) => result.verdict === "failed" && result.pending !== true).length;
    const skipped = cases.filter((result) => result.pending === true).length;
    const time = cases.reduce((sum, result) => sum + result.durationMs, 0);
    const first = cases[0];
    const name = first === undefined ? contract : `${first.consumer} → ${first.provider} (${contract})`;
    return [
      `  <testsuite ${attributes({ name, tests: cases.length, failures, errors: 0, skipped, time: seconds(time), timestamp: junitTimestamp(report.startedAt), hostname: JUNIT_HOSTNAME })}>`,
      ...cases.map(junitCase),
      "  </testsuite>",
    ].join("\n");
  });
  const { total } = report.summary;
  const failed = report.summary.failed - pendingFailures(report);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes({ name: `qimen-pact verify ${report.providerUrl}`, tests: total, failures: failed, errors: 0, time: seconds(report.durationMs) })}>`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}

/** `[given <state>; sent with a wrong sign]`: what the interaction's line must say besides its description. */
function circumstances(result: InteractionResult): string {
  const parts = [
    ...(result.states.length === 0 ? [] : [`given ${result.states.map((state) => state.name).join("; ")}`]),
    ...(result.badSignature ? ["sent with a wrong sign"] : []),
  ];
  return parts.length === 0 ? "" : `[${parts.join("; ")}]`;
}

function junitCase(result: InteractionResult): string {
  const open = `    <testcase ${attributes({
    name: [result.description, circumstances(result)].filter((part) => part !== "").join(" "),
    classname: `${result.consumer}.${result.provider}`,
    time: seconds(result.durationMs),
  })}`;
  const [first] = result.reasons;
  const failure =
    first === undefined
      ? []
      : [
          // A pending pact's failure is reported as skipped: CI servers fail the build on a <failure>.
          result.pending === true
            ? `      <skipped ${attributes({ message: printable(`pending pact, not failing the build: ${first.where}: ${first.message}`) })}>${text(consoleResult(result))}</skipped>`
            : `      <failure ${attributes({ message: printable(`${first.where}: ${first.message}`), type: first.kind })}>${text(
                consoleResult(result),
              )}</failure>`,
        ];
  const notes =
    result.notes.length === 0 ? [] : [`      <system-out>${text(result.notes.map(printable).join("\n"))}</system-out>`];
  const children = [...failure, ...notes];
  return children.length === 0 ? `${open}/>` : [`${open}>`, ...children, "    </testcase>"].join("\n");
}

/**
 * A body on one line: XML white space between markup folded to one space, so pretty-printed XML
 * reads well, but anything before the first "<" kept as it is (printable shows a CR/LF before the
 * declaration as \u000d\u000a), and every other character as sent.
 */
export function shownBody(value: string): string {
  if (value === "") return "(empty body)";
  const lead = /^[^<]*/.exec(value)?.[0] ?? "";
  return (
    lead +
    value
      .slice(lead.length)
      .replace(/[ \t\r\n]+/g, " ")
      .replace(/ $/, "")
  );
}
