import { trimXmlSpace } from "../../src/protocol/xml-space.js";
import { readAsSdk } from "../../src/protocol/sdk-reading.js";
import { isNoAnswer, type CallOutcome } from "../transport.js";
import type { Expectation } from "./probe-model.js";

/** What the oracle expects of a probe's answer, in words. */
export const EXPECTED: Readonly<Record<Expectation, string>> = {
  refused:
    "HTTP 200 and a <response> the official SDK reads, with <flag>failure</flag> and a non-empty <code> and <message>",
  readable: "HTTP 200 and a <response> the official SDK reads, with <flag>success</flag> or <flag>failure</flag>",
};

/** The oracle's finding: undefined when the answer is what the probe expects, else what came instead. */
export function judgeAnswer(expects: Expectation, outcome: CallOutcome): string | undefined {
  if (isNoAnswer(outcome)) {
    return `no answer: ${outcome.failure} (the ERP cannot tell whether the cancel was applied)`;
  }
  const contentType = outcome.headers.find(([name]) => name === "content-type")?.[1];
  const reading = readAsSdk({ status: outcome.status, contentType, body: outcome.body });
  if (!reading.readable) return `an answer the official SDK cannot read: ${reading.reason}`;
  const { flag, code, message } = reading;
  const read = `<flag>${flag ?? "(none)"}</flag>, code ${quoted(code)}, message ${quoted(message)}`;
  if (expects === "readable") {
    return flag === "success" || flag === "failure" ? undefined : `${read}: the flag is neither success nor failure`;
  }
  if (flag === "success") return `${read}: the WMS accepted the call`;
  if (flag !== "failure") return `${read}: the flag is not exactly failure`;
  if (isBlank(code) || isBlank(message)) return `${read}: a refusal needs a code and a message the ERP can show`;
  return undefined;
}

/** Blank as the ERP sees it: nothing but XML white space (a no-break space is content). */
function isBlank(value: string | undefined): boolean {
  return value === undefined || trimXmlSpace(value) === "";
}

function quoted(value: string | undefined): string {
  return value === undefined ? "(none)" : JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
}
