import { printable, visibleJson } from "../../src/text.js";
import { junitAttributes as attributes, junitSeconds as seconds, junitText as text } from "../../src/junit.js";
import { JUNIT_HOSTNAME, junitTimestamp, shownBody } from "../reports.js";
import type { Probe } from "./probe-model.js";
import type { ProbeReport, ProbeResult, ProbeVerdict } from "./probe-run.js";

const LABEL: Readonly<Record<ProbeVerdict, string>> = { passed: "PASS", failed: "FAIL", warned: "WARN" };
const INDENT = "      ";

/** `probe --list`: every probe with its id, severity, what it sends and why. */
export function probeList(probes: readonly Probe[]): string {
  return probes
    .map((probe) =>
      [
        `${probe.id}  ${probe.severity}  expects ${probe.expects === "refused" ? "a refusal" : "any readable answer"}`,
        `    sends: ${probe.sends}`,
        `    why:   ${probe.why}`,
      ].join("\n"),
    )
    .join("\n")
    .concat("\n");
}

export function probeHeader(providerUrl: string, count: number): string {
  return `${printable(`Probing ${providerUrl} with ${count} probes`)}\n`;
}

/** One line per probe; under a failure or warning, what it sent, expected vs got, the fix and the answer. */
export function probeResultLines(result: ProbeResult): string {
  const line = `${LABEL[result.verdict]}  ${result.id}  ${result.severity}  ${result.durationMs} ms`;
  const details =
    result.verdict === "passed"
      ? []
      : [
          `sends: ${result.sends}`,
          `expected: ${result.expected}`,
          ...(result.got === undefined ? [] : [`got: ${result.got}`]),
          ...(result.fix === undefined ? [] : [`fix: ${result.fix}`]),
          ...(result.answer === undefined
            ? []
            : [
                `answer: HTTP ${result.answer.status} ${result.answer.contentType ?? "(no content type)"} ${shownBody(result.answer.bodyExcerpt)}`,
              ]),
        ];
  const notes = result.notes.map((note) => `note: ${note}`);
  return [line, ...[...details, ...notes].map((detail) => INDENT + detail)]
    .map((one) => `${printable(one)}\n`)
    .join("");
}

export function probeSummary(report: ProbeReport): string {
  if (report.unreachable !== undefined) {
    return `${printable(`Provider unreachable: ${report.unreachable}`)}\nNo probe ran. FAILED\n`;
  }
  const { total, passed, failed, warned } = report.summary;
  const warning =
    warned === 0
      ? ""
      : `Warning: ${warned} advisory probe${warned === 1 ? "" : "s"} failed (shown as WARN); --strict makes them fail the run.\n`;
  const verdict = failed === 0 ? "PASSED" : "FAILED";
  const duration = (report.durationMs / 1000).toFixed(1);
  return `${warning}${total} probes: ${passed} passed, ${failed} failed, ${warned} warned (${duration} s). ${verdict}\n`;
}

/** The `format` of probe's JSON report. */
export const PROBE_JSON_FORMAT = "qimen-pact-probe/1";

export function probeJsonReport(report: ProbeReport): string {
  return `${visibleJson(JSON.stringify({ format: PROBE_JSON_FORMAT, ...report }, null, 2))}\n`;
}

/** JUnit XML: one testsuite, one testcase per probe; a warned probe passes with its warning in system-out. */
export function probeJunitReport(report: ProbeReport): string {
  const { total, failed } = report.summary;
  const time = seconds(report.durationMs);
  const suite = attributes({
    name: `qimen-pact probe ${report.providerUrl}`,
    tests: total,
    failures: failed,
    errors: 0,
    skipped: 0,
    time,
    timestamp: junitTimestamp(report.startedAt),
    hostname: JUNIT_HOSTNAME,
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes({ name: "qimen-pact probe", tests: total, failures: failed, errors: 0, time })}>`,
    `  <testsuite ${suite}>`,
    ...report.results.map(junitCase),
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

function junitCase(result: ProbeResult): string {
  const open = `    <testcase ${attributes({ name: result.id, classname: `qimen-pact.probe.${result.group}`, time: seconds(result.durationMs) })}`;
  const details = text(probeResultLines(result));
  const child =
    result.verdict === "failed"
      ? `      <failure ${attributes({ message: printable(result.got ?? "failed"), type: result.severity })}>${details}</failure>`
      : result.verdict === "warned"
        ? `      <system-out>${text("warning (advisory): ")}${details}</system-out>`
        : undefined;
  return child === undefined ? `${open}/>` : [`${open}>`, child, "    </testcase>"].join("\n");
}
