import {
  ANSWER_CONTENT_TYPE_PATTERN,
  EXAMPLE_NOW,
  EXAMPLE_SECRET,
  ORDER_TYPE_PATTERN,
  PATH_PATTERN,
  QIMEN_PROVIDER,
  REQUEST_CONTENT_TYPE_PATTERN,
  SIGN_PATTERN,
  TEXT_PATTERN,
  TOKEN_PATTERN,
} from "../contract-conventions.js";
import { isKnownOrderType } from "../protocol/order-types.js";
import { encodeResponse } from "../protocol/response-codec.js";
import { computeSign } from "../protocol/signing.js";
import { QIMEN_CONTENT_TYPE } from "../protocol/system-params.js";
import { formatBeijingTimestamp, TIMESTAMP_PATTERN } from "../protocol/timestamp.js";
import type { Behaviour } from "./behaviours.js";

/*
 * A recording's behaviours as a Pact V4 file, written directly (no mock server to replay through)
 * with the shipped contract's conventions: the request body exactly as the ERP sent it, the query
 * with the example clock and an example sign made with the published example secret (so neither the
 * recording's secret nor its run time is in the file), keys sorted, two-space JSON.
 */

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

const regexRule = (regex: string): Json => ({ combine: "AND", matchers: [{ match: "regex", regex }] });
/** Query params that vary by caller or by call, matched by shape. */
const QUERY_SHAPES: Readonly<Record<string, string>> = {
  app_key: TOKEN_PATTERN,
  customerId: TOKEN_PATTERN,
  sign: SIGN_PATTERN,
  timestamp: TIMESTAMP_PATTERN,
};

export function pactFile(consumer: string, behaviours: readonly Behaviour[]): string {
  const pact: Json = {
    consumer: { name: consumer },
    interactions: behaviours.map(interaction),
    metadata: { pactSpecification: { version: "4.0" }, qimenPact: { recordedBy: "qimen-pact record" } },
    provider: { name: QIMEN_PROVIDER },
  };
  return `${JSON.stringify(sortedKeys(pact), null, 2)}\n`;
}

function interaction(behaviour: Behaviour): Json {
  return {
    description: behaviour.description,
    pending: false,
    providerStates: [{ name: behaviour.state.name, params: behaviour.state.params }],
    request: request(behaviour),
    response: response(behaviour),
    type: "Synchronous/HTTP",
  };
}

function request({ call, orderType }: Behaviour): Json {
  const body = Buffer.from(call.body ?? []).toString("utf8");
  const contentType = call.headers.find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? QIMEN_CONTENT_TYPE;
  const sent = [...new URLSearchParams(call.search)].filter(([name]) => name !== "sign");
  const params = sent.map(([name, value]): [string, string] => [
    name,
    name === "timestamp" ? formatBeijingTimestamp(EXAMPLE_NOW) : value,
  ]);
  const sign = computeSign({ params, body, secret: EXAMPLE_SECRET });
  const query: Record<string, string[]> = {};
  for (const [name, value] of [...params, ["sign", sign] as const]) query[name] = [value];
  const queryRules = Object.fromEntries(
    Object.entries(QUERY_SHAPES)
      .filter(([name]) => name in query)
      .map(([name, pattern]) => [name, regexRule(pattern)]),
  );
  const bodyRules =
    orderType !== undefined && isKnownOrderType(orderType)
      ? { body: { "$.request.orderType.#text": regexRule(ORDER_TYPE_PATTERN) } }
      : {};
  return {
    body: { content: body, contentType: "application/xml", encoded: false },
    headers: { "Content-Type": [contentType] },
    matchingRules: {
      ...bodyRules,
      header: { "Content-Type": regexRule(REQUEST_CONTENT_TYPE_PATTERN) },
      path: regexRule(PATH_PATTERN),
      query: queryRules,
    },
    method: "POST",
    path: call.path,
    query,
  };
}

/** Success is contracted as `<flag>` alone (all an ERP reads); a failure's code and message by shape. */
function response({ answer }: Behaviour): Json {
  const success = answer.flag === "success";
  const content = encodeResponse(success ? { flag: "success" } : answer);
  const bodyRules = success
    ? {}
    : {
        body: {
          "$.response.code.#text": regexRule(TOKEN_PATTERN),
          "$.response.message.#text": regexRule(TEXT_PATTERN),
        },
      };
  return {
    body: { content, contentType: "application/xml", encoded: false },
    headers: { "Content-Type": [QIMEN_CONTENT_TYPE] },
    matchingRules: { ...bodyRules, header: { "Content-Type": regexRule(ANSWER_CONTENT_TYPE_PATTERN) } },
    status: 200,
  };
}

/** The same value with every object's keys in code-unit order, as Pact writes its files. */
function sortedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value as Record<string, Json>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, sortedKeys(item)]));
}
