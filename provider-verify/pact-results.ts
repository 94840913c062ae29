import { foldXmlSpace } from "../src/protocol/xml-space.js";
import { truncate } from "../src/protocol/xml-quote.js";
import {
  contentTypeProblem,
  describeContentTypeProblem,
  ACCEPTED_CONTENT_TYPES,
} from "../src/protocol/content-type.js";

/** Pact's verdict on one interaction, from the JSON the verifier core returns, in plain words. */
export interface PactOutcome {
  readonly passed: boolean;
  readonly problems: readonly PactProblem[];
}

export interface PactProblem {
  /** What differs: `HTTP status`, `header Content-Type`, `body response/flag`, or `verifier`. */
  readonly where: string;
  /** Plain words, e.g. `expected "success", got "failure"`. */
  readonly message: string;
}

/** Longest expected/actual value quoted as is; longer ones are cut (bodies, XML dumps). */
const MAX_VALUE_CHARS = 160;

/**
 * Reads the JSON of Pact's verifier core (`{result, errors: [{mismatch}], interactionResults}`)
 * for a run of many interactions and gives each its own verdict, in the order of `ids` (the
 * `_id` each interaction was given, which Pact repeats as `interactionId`). The gate never passes
 * on doubt: anything unreadable fails every interaction, a finding that names no interaction of
 * the run is charged to each of them, and an interaction Pact did not report on fails.
 */
export function parsePactOutcomes(json: string, ids: readonly string[]): PactOutcome[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return ids.map(() => failed(cut(json.trim() || "no result")));
  }
  if (!isRecord(parsed) || typeof parsed["result"] !== "boolean") {
    return ids.map(() => failed("the verifier returned no result"));
  }
  const problems = new Map(ids.map((id): [string, PactProblem[]] => [id, []]));
  const unattributed: PactProblem[] = [];
  for (const error of listOf(parsed["errors"])) {
    const mismatch = isRecord(error) ? error["mismatch"] : undefined;
    const id = isRecord(mismatch) ? mismatch["interactionId"] : undefined;
    (problems.get(String(id)) ?? unattributed).push(...problemsOf(mismatch));
  }
  const verdicts = new Map(
    listOf(parsed["interactionResults"])
      .filter(isRecord)
      .map((result): [string, boolean] => [String(result["interactionId"]), result["result"] === "OK"]),
  );
  return ids.map((id) => {
    const found = [...(problems.get(id) ?? []), ...unattributed];
    const ok = verdicts.get(id);
    if (ok === undefined && found.length === 0) return failed("Pact did not report on this interaction");
    return { passed: ok === true && found.length === 0, problems: found };
  });
}

function failed(message: string): PactOutcome {
  return { passed: false, problems: [{ where: "verifier", message }] };
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function problemsOf(mismatch: unknown): PactProblem[] {
  if (!isRecord(mismatch)) return [];
  if (mismatch["type"] === "error") return [{ where: "verifier", message: cut(String(mismatch["message"])) }];
  return listOf(mismatch["mismatches"]).filter(isRecord).map(describeMismatch);
}

function describeMismatch(mismatch: Record<string, unknown>): PactProblem {
  const said = withoutBacktrace(typeof mismatch["mismatch"] === "string" ? mismatch["mismatch"] : "");
  switch (mismatch["type"]) {
    case "StatusMismatch":
      return {
        where: "HTTP status",
        message: `expected ${String(mismatch["expected"])}, got ${String(mismatch["actual"])}`,
      };
    case "HeaderMismatch":
      return {
        where: `header ${String(mismatch["key"])}`,
        message:
          String(mismatch["key"]).toLowerCase() === "content-type"
            ? contentTypeWords(mismatch["actual"])
            : cut(said.replace(/^Mismatch with header '[^']*': /, "")),
      };
    case "BodyTypeMismatch":
      return {
        where: "body",
        message: `expected a body of type ${String(mismatch["expected"])}, got ${String(mismatch["actual"])}`,
      };
    case "BodyMismatch":
      return { where: `body ${elementPath(textOf(mismatch["path"], "$"))}`, message: bodyWords(mismatch, said) };
    default:
      return { where: textOf(mismatch["type"], "mismatch"), message: cut(said || JSON.stringify(mismatch)) };
  }
}

/** The contract's Content-Type rule in words, never its regex: a WMS developer needs the accepted forms. */
function contentTypeWords(actual: unknown): string {
  const value = typeof actual === "string" && actual !== "" ? actual : undefined;
  const problem = contentTypeProblem("answer", value);
  if (problem !== undefined) return describeContentTypeProblem("answer", problem);
  return `got ${JSON.stringify(cut(value ?? ""))}, which the contract does not accept: send ${ACCEPTED_CONTENT_TYPES.answer}`;
}

/** Short expected/actual text values are clearest quoted; anything else in Pact's own words. */
function bodyWords(mismatch: Record<string, unknown>, said: string): string {
  const { expected, actual } = mismatch;
  const quotable = (value: unknown): value is string =>
    typeof value === "string" && value.length <= MAX_VALUE_CHARS && !value.includes("<");
  if (quotable(expected) && quotable(actual) && /to be equal to/.test(said)) {
    return `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  return cut(said);
}

/** `$.response.flag['#text']` → `response/flag (text)`; `$` → `(document)`. */
export function elementPath(jsonPath: string): string {
  const steps = [...jsonPath.matchAll(/\.([^.[\]]+)|\['([^']+)'\]|\[(\d+)\]/g)].map(
    ([, dotted, quoted, index]) => dotted ?? quoted ?? `[${index}]`,
  );
  if (steps.length === 0) return "(document)";
  const text = steps.at(-1) === "#text";
  const elements = text ? steps.slice(0, -1) : steps;
  return `${elements.join("/").replaceAll("/[", "[")}${text ? " (text)" : ""}`;
}

/** Pact puts a native backtrace inside the quotes of a parse error: noise for a WMS team. */
function withoutBacktrace(text: string): string {
  return text.replace(/\s*Stack backtrace:[\s\S]*?('?)$/, "$1");
}

function cut(text: string): string {
  return truncate(foldXmlSpace(text), 2 * MAX_VALUE_CHARS);
}

function textOf(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
