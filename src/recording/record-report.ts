import { junitAttributes, junitText } from "../junit.js";
import { redactor, redactStrings } from "../redaction.js";
import { printable, visibleJson } from "../text.js";
import { FAULT_KINDS, faultName } from "../wms/gateway-faults.js";
import { faultConsoleLines, junitFaultSuite } from "./fault-report.js";
import type { Finding } from "./findings.js";
import type { JudgedCall, RecordingResult } from "./recorder.js";

/*
 * What `qimen-pact record` says about a recording: one console line per call, a JUnit testcase per
 * call, a JSON report. Messages come partly from the wire (the sandbox quotes values the ERP sent),
 * so each goes through the redactor with the recording's secret, whatever the judge promises.
 */

const VERDICT_WORDS = { conforms: "OK  ", warned: "WARN", failed: "FAIL" } as const;

function subject(call: JudgedCall): string {
  const answer = call.answer.flag === "success" ? "success" : `failure ${call.answer.code}`;
  return `call ${call.number} orderCode ${call.orderCode === undefined ? "(none)" : printable(call.orderCode)} → ${answer}${relayedAs(call)}`;
}

/** How the ERP got the answer when record changed it: the WMS's answer is what was judged and recorded. */
function relayedAs({ relayed }: JudgedCall): string {
  if (relayed?.fault !== undefined) {
    const applied = FAULT_KINDS[relayed.fault.kind].applied ? "applied" : "not applied";
    return ` (the ERP got gateway fault ${faultName(relayed.fault)} instead; ${applied})`;
  }
  return relayed?.dialect === undefined ? "" : ` (written as ${relayed.dialect})`;
}

/** One line per call, then the contract's behaviours and what was left out of it. */
export function consoleReport(result: RecordingResult, secret: string): string {
  const redact = redactor([secret]);
  const lines = result.calls.map((call) => {
    const said = call.findings.map((finding) => `${finding.severity === "fail" ? "" : "warning: "}${finding.message}`);
    return redact(printable([`${VERDICT_WORDS[call.verdict]} ${subject(call)}`, ...said].join(" | ")));
  });
  const failed = result.calls.filter((call) => call.verdict === "failed").length;
  lines.push(
    `${result.calls.length} call${result.calls.length === 1 ? "" : "s"}: ${result.calls.length - failed} conforming, ${failed} not` +
      ` (left out of the contract); ${result.behaviours.length} interaction${result.behaviours.length === 1 ? "" : "s"} recorded`,
    ...result.unrecordable.map(
      ({ call, reason }) => `not recorded: orderCode ${printable(call.orderCode ?? "")}: ${reason}`,
    ),
    ...faultConsoleLines(result.faults).map((line) => redact(line)),
  );
  return `${lines.join("\n")}\n`;
}

const rank = (finding: Finding): number => (finding.severity === "fail" ? 0 : 1);

export function junitRecordReport(result: RecordingResult, secret: string): string {
  const redact = redactor([secret]);
  const failures = result.calls.filter((call) => call.verdict === "failed").length;
  const suite = junitAttributes({
    name: `qimen-pact record ${result.consumer}`,
    tests: result.calls.length,
    failures,
    errors: 0,
  });
  const faultFailures = result.faults.filter(({ verdict }) => verdict === "failed").length;
  const all = junitAttributes({
    name: `qimen-pact record ${result.consumer}`,
    tests: result.calls.length + result.faults.length,
    failures: failures + faultFailures,
    errors: 0,
  });
  const cases = result.calls.map((call) => junitCase(call, result.consumer, redact));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${all}>`,
    `  <testsuite ${suite}>`,
    ...cases,
    "  </testsuite>",
    ...junitFaultSuite(result.faults, result.consumer).map(redact),
    "</testsuites>",
    "",
  ].join("\n");
}

/** A failed call's findings in <failure> (failures first: under --strict warnings fail it too), a passing call's warnings in <system-out>. */
function junitCase(call: JudgedCall, consumer: string, redact: (text: string) => string): string {
  const open = `    <testcase ${junitAttributes({ name: redact(subject(call)), classname: `${consumer}.qimen-wms` })}`;
  const findings = [...call.findings].sort((a, b) => rank(a) - rank(b));
  const said = junitText(
    redact(findings.map((finding) => `${finding.severity} ${finding.check}: ${finding.message}`).join("\n")),
  );
  const [first] = findings;
  const child =
    first === undefined
      ? undefined
      : call.verdict === "failed"
        ? `      <failure ${junitAttributes({ message: redact(first.message), type: first.check })}>${said}</failure>`
        : `      <system-out>${said}</system-out>`;
  return child === undefined ? `${open}/>` : [`${open}>`, child, "    </testcase>"].join("\n");
}

export function jsonRecordReport(result: RecordingResult, secret: string): string {
  const report = {
    consumer: result.consumer,
    calls: result.calls,
    interactions: result.behaviours.map(({ description, calls }) => ({ description, calls })),
    notRecorded: result.unrecordable.map(({ call, reason }) => ({ orderCode: call.orderCode, reason })),
    faults: result.faults,
  };
  return `${visibleJson(JSON.stringify(redactStrings(report, redactor([secret])), null, 2))}\n`;
}
