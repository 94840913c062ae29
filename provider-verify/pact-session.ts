import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
// The Verifier alone, not the package's index: the index also loads the consumer DSL, which costs
// every worker process ~170 ms of start-up (pact-js is pinned, see package.json).
import { Verifier } from "@pact-foundation/pact/src/dsl/verifier/verifier.js";
import { Agent, type Dispatcher } from "undici";
import { toGatewayCall, type GatewaySettings } from "./gateway-call.js";
import { callHttp, isNoAnswer, MAX_TIMEOUT_MS, shownUrl, type CallOutcome } from "./transport.js";
import { trimXmlSpace } from "../src/protocol/xml-space.js";
import { informationalTolerantConnector } from "../src/client/informational-answers.js";
import { parsePactOutcomes } from "./pact-results.js";
import { stateAnswerFailure } from "./state-answer.js";
import { interactionId, MARKER_HEADER, markedCall, markedStateParams } from "./shards.js";
import type {
  DeliveryRecord,
  RemovedForPact,
  RunRecord,
  ShardInteraction,
  StateChangeRecord,
  WorkerJob,
  WorkerShard,
} from "./worker-protocol.js";

/** pact-js answers the verifier core's state-change calls on this path of its proxy. */
const PACT_STATE_PATH = "/_pactSetup";
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Hop-by-hop and framing headers: each leg of a relay sets its own. */
const NOT_RELAYED = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "te",
  "trailer",
  "upgrade",
  "proxy-authorization",
  "proxy-connection",
  // So the provider answers uncompressed bytes, which we decode and relay as they are.
  "accept-encoding",
  // Ours, telling which interaction a call belongs to (shards.ts); never the WMS's business.
  MARKER_HEADER,
  // Pact's core would follow a redirect, and what the follow-up fetched would be judged instead of
  // the WMS's answer: without it the 3xx itself is judged, and fails.
  "location",
]);

/** What pact-js's express proxy hands a requestFilter (express is not typed in this project). */
interface ProxiedRequest extends IncomingMessage {
  readonly path: string;
  readonly body?: unknown;
}

/** What one interaction of a shard did, as our requestFilter saw it. */
interface Capture {
  readonly interaction: ShardInteraction;
  readonly stateChanges: StateChangeRecord[];
  readonly sensitive: string[];
  delivery?: DeliveryRecord;
  /** A second delivery asked for, or the like: each fails the interaction. */
  readonly relayProblems: string[];
  /** States whose setup failed in this run: the core retries, we answer again without calling. */
  readonly failedSetups: Map<string, string>;
  /** From the start of its first call (state setup or delivery) to the end of its last. */
  span?: { readonly start: number; end: number };
}

/** A state-change call of the verifier core, its marker removed. */
interface StateChange {
  readonly state: string;
  readonly action: string;
  readonly index: number | undefined;
  /** What the provider's state-change URL receives: the core's body without the marker. */
  readonly forwarded: Record<string, unknown>;
}

/**
 * Runs the job's shards one after the other, each in one run of pact-js's Verifier, and reports
 * the records of a shard's interactions (in shard order) when its run is over.
 *
 * The Verifier's proxy hands every call to our requestFilter, which tells from its marker (see
 * shards.ts) which interaction it belongs to and answers it itself: state changes go to the
 * provider's state-change URL (a failure answers 500, so the core fails the interaction instead of
 * pact-js 16's silent 200), and the Qimen call is delivered the way the gateway delivers it
 * (gateway-call.ts) with our own HTTP client, whose answer is relayed to Pact. The proxy's own
 * forwarding (http-proxy) is never used: it crashes on a refused connection.
 */
export async function runShards(
  job: WorkerJob,
  report: (records: readonly RunRecord[]) => Promise<void>,
): Promise<void> {
  const gateway: GatewaySettings = { ...job.gateway, providerUrl: new URL(job.gateway.providerUrl) };
  const dispatcher = new Agent({ connect: informationalTolerantConnector({ timeout: job.timeoutMs }) });
  const session: Session = { job, gateway, dispatcher, unreachable: undefined };
  try {
    for (const shard of job.shards) await report(await runShard(session, shard));
  } finally {
    await dispatcher.close();
  }
}

interface Session {
  readonly job: WorkerJob;
  readonly gateway: GatewaySettings;
  readonly dispatcher: Dispatcher;
  /** Set once a connection to the provider failed (refused, no route, timeout): later calls are not attempted. */
  unreachable: string | undefined;
}

async function runShard(session: Session, shard: WorkerShard): Promise<RunRecord[]> {
  const captures = new Map(
    shard.interactions.map((interaction): [number, Capture] => [
      interaction.index,
      { interaction, stateChanges: [], sensitive: [], relayProblems: [], failedSetups: new Map() },
    ]),
  );
  // A state change of a shard of one needs no marker: V2 states, which cannot carry one, run alone
  // (see shards.ts). Calls to deliver always carry theirs.
  const alone = captures.size === 1 ? [...captures.values()][0] : undefined;
  const verifier = new Verifier({
    provider: shard.provider,
    // Must be an origin (pact-js would append the contract's path to a path here); never used,
    // since our filter answers every call.
    providerBaseUrl: session.gateway.providerUrl.origin,
    pactUrls: [shard.pactFile],
    logLevel: "error",
    // Our own calls time out first: one state change or one delivery, plus slack (within what
    // Node's timers take).
    timeout: Math.min(2 * session.job.timeoutMs + 5_000, MAX_TIMEOUT_MS),
    requestFilter: (request: ProxiedRequest, response: ServerResponse) => {
      const change = request.path === PACT_STATE_PATH ? stateChangeOf(request.body) : undefined;
      // The core also calls with no state for interactions that have none: nothing to set.
      if (request.path === PACT_STATE_PATH && change === undefined)
        return answer(response, 200, "application/json", "{}");
      const index = change === undefined ? markedCall(request.headers) : change.index;
      const capture =
        (index === undefined ? undefined : captures.get(index)) ?? (change === undefined ? undefined : alone);
      if (capture === undefined) {
        // Never happens with our own shard files; if it did, guessing could pass the wrong one.
        return answer(response, 500, "text/plain", "qimen-pact: this call names no interaction of the shard");
      }
      const start = performance.now();
      const handled =
        change === undefined
          ? deliver(session, capture, request, response)
          : changeState(session, capture, change, response);
      handled
        .catch((error: unknown) => {
          // A bug in our relay must fail the interaction, never hang it.
          capture.delivery ??= {
            delivered: false,
            failure: `verifier relay error: ${String(error)}`,
            unreachable: false,
          };
          if (!response.headersSent) answer(response, 500, "text/plain", `qimen-pact relay error: ${String(error)}`);
        })
        .finally(() => {
          const end = performance.now();
          capture.span = { start: capture.span?.start ?? start, end };
        });
    },
  });
  let pactResult: string;
  try {
    pactResult = await verifier.verifyProvider();
  } catch (error) {
    pactResult = error instanceof Error ? error.message : String(error);
  }
  const outcomes = parsePactOutcomes(
    pactResult,
    shard.interactions.map(({ index }) => interactionId(index)),
  );
  return [...captures.values()].map((capture, position) => ({
    index: capture.interaction.index,
    durationMs: capture.span === undefined ? 0 : Math.round(capture.span.end - capture.span.start),
    stateChanges: capture.stateChanges,
    ...(capture.delivery === undefined ? {} : { delivery: capture.delivery }),
    relayProblems: capture.relayProblems,
    pact: outcomes[position] ?? { passed: false, problems: [] },
    sensitive: capture.sensitive,
  }));
}

function stateChangeOf(body: unknown): StateChange | undefined {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const { state, action, params } = fields;
  if (typeof state !== "string" || state === "") return undefined;
  const marker = markedStateParams(params);
  return {
    state,
    action: typeof action === "string" ? action : "setup",
    index: marker.index,
    forwarded: params === undefined ? fields : { ...fields, params: marker.params },
  };
}

async function changeState(session: Session, capture: Capture, change: StateChange, response: ServerResponse) {
  const { state, action } = change;
  const earlier = action === "setup" ? capture.failedSetups.get(state) : undefined;
  if (earlier !== undefined) return answer(response, 500, "text/plain", earlier);

  const url = session.job.stateChangeUrl === undefined ? undefined : new URL(session.job.stateChangeUrl);
  const outcome: CallOutcome =
    url === undefined
      ? { failure: "no state-change URL given (--state-change-url)", unreachable: false, durationMs: 0 }
      : await callHttp(
          {
            url,
            method: "POST",
            headers: { "content-type": "application/json" },
            body: Buffer.from(JSON.stringify(change.forwarded), "utf8"),
          },
          session.dispatcher,
          session.job.timeoutMs,
        );
  const failure = isNoAnswer(outcome)
    ? outcome.failure
    : outcome.status >= 200 && outcome.status < 300
      ? stateAnswerFailure(outcome.status, outcome.body)
      : `${url === undefined ? "" : shownUrl(url)} answered HTTP ${outcome.status}: ${excerpt(outcome.body)}`;
  capture.stateChanges.push({ state, action, ...(failure === undefined ? {} : { failure }) });
  if (failure !== undefined && action === "setup") {
    capture.failedSetups.set(state, failure);
    return answer(response, 500, "text/plain", failure);
  }
  // A failed teardown is reported as a note; the interaction itself has been judged already.
  const values = failure === undefined && !isNoAnswer(outcome) ? jsonObjectOrEmpty(outcome.body) : "{}";
  return answer(response, 200, "application/json", values);
}

async function deliver(
  session: Session,
  capture: Capture,
  request: ProxiedRequest,
  response: ServerResponse,
): Promise<void> {
  const notDelivered = (failure: string, unreachable: boolean): void => {
    capture.delivery = { delivered: false, failure, unreachable };
    answer(response, 502, "text/plain", `qimen-pact: not delivered: ${failure}`);
  };
  if (capture.delivery !== undefined) {
    // Pact's core asks once per interaction: a second call (a followed redirect, a retry) is never
    // sent, and the first answer stays the one judged.
    capture.relayProblems.push(
      "Pact's verifier asked to deliver this interaction a second time (a followed redirect or a retry): it was not sent again, and the first answer is the one shown",
    );
    return answer(response, 500, "text/plain", "qimen-pact: this interaction was delivered already");
  }
  if (session.unreachable !== undefined) {
    return notDelivered(`not attempted: the provider was unreachable earlier (${session.unreachable})`, true);
  }
  const url = request.url ?? "";
  const queryStart = url.indexOf("?");
  const body = bodyBytes(request.body);
  let call;
  try {
    call = toGatewayCall({ search: queryStart === -1 ? "" : url.slice(queryStart + 1), body }, session.gateway, {
      now: new Date(),
      badSignature: capture.interaction.badSignature,
    });
  } catch (error) {
    return notDelivered(error instanceof Error ? error.message : String(error), false);
  }
  capture.sensitive.push(call.sign);
  const outcome = await callHttp(
    { url: call.url, method: "POST", headers: relayedHeaders(request.headers), body },
    session.dispatcher,
    session.job.timeoutMs,
  );
  if (isNoAnswer(outcome)) {
    if (outcome.unreachable) session.unreachable = outcome.failure;
    return notDelivered(outcome.failure, outcome.unreachable);
  }
  const { relayed, removed } = forPact(outcome.body);
  capture.delivery = {
    delivered: true,
    status: outcome.status,
    headers: outcome.headers,
    body: outcome.body.toString("base64"),
    removedForPact: removed,
  };
  response.statusCode = outcome.status;
  response.removeHeader("x-powered-by");
  const headers = new Map<string, string[]>();
  for (const [name, value] of outcome.headers) {
    if (!NOT_RELAYED.has(name)) headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  for (const [name, values] of headers) response.setHeader(name, values.length === 1 ? (values[0] ?? "") : values);
  response.setHeader("content-length", relayed.length);
  response.end(relayed);
}

/**
 * XML allows a leading byte-order mark (.NET WMSs send one) and a default namespace on the root
 * element, and the ERP client accepts both, but Pact's XML matcher fails on them (it cannot parse
 * the mark, and names the root `{namespace}:response`): Pact matches the document without them,
 * and the report says so. The ERP client's own opinion is formed on the bytes as received.
 */
function forPact(body: Buffer): { readonly relayed: Buffer; readonly removed: RemovedForPact[] } {
  const removed: RemovedForPact[] = [];
  let relayed = body;
  if (relayed.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) {
    relayed = relayed.subarray(UTF8_BOM.length);
    removed.push("byte-order-mark");
  }
  // Latin-1 maps each byte to one character and back, so only the matched ASCII changes.
  const text = relayed.toString("latin1");
  const root = ROOT_START_TAG.exec(text);
  const attributes = root?.groups?.["attributes"] ?? "";
  const withoutNamespace = attributes.replace(DEFAULT_NAMESPACE, "");
  if (root !== null && withoutNamespace !== attributes) {
    const start = root.index + root[0].length - attributes.length - 1;
    relayed = Buffer.from(text.slice(0, start) + withoutNamespace + text.slice(start + attributes.length), "latin1");
    removed.push("root-default-namespace");
  }
  return { relayed, removed };
}

/**
 * The root element's start tag, after the prolog (declaration, comments, processing instructions), when unprefixed.
 * White space is XML's own, one character per turn: `(?:\s+)*` backtracks exponentially on a run of spaces.
 */
const ROOT_START_TAG =
  /^(?:[ \t\r\n]|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<[A-Za-z_][\w.-]*(?<attributes>(?:[ \t\r\n][^>]*)?)>/;
/** `xmlns="…"`, the default namespace declaration; never `xmlns:prefix="…"`. */
const DEFAULT_NAMESPACE = /[ \t\r\n]+xmlns[ \t\r\n]*=[ \t\r\n]*(?:"[^"]*"|'[^']*')/;

function relayedHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const relayed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !NOT_RELAYED.has(name)) relayed[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return relayed;
}

/** pact-js's body parsers leave XML as the exact bytes sent; JSON and forms arrive parsed. */
function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "object" && Object.keys(body).length === 0) return Buffer.alloc(0);
  return Buffer.from(typeof body === "string" ? body : JSON.stringify(body), "utf8");
}

function answer(response: ServerResponse, status: number, contentType: string, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  response.removeHeader("x-powered-by");
  response.writeHead(status, { "content-type": contentType, "content-length": bytes.length });
  response.end(bytes);
}

function excerpt(body: Buffer): string {
  // Only XML white space is folded: U+00A0 or U+FEFF in an answer stays, for the report to show escaped.
  const text = trimXmlSpace(body.toString("utf8").replace(/[ \t\r\n]+/g, " "));
  return text.length <= 300 ? text || "(empty body)" : `${text.slice(0, 300)}…`;
}

/** Provider-state values a state-change endpoint returns, for Pact's injected values; else none. */
function jsonObjectOrEmpty(body: Buffer): string {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? JSON.stringify(parsed) : "{}";
  } catch {
    return "{}";
  }
}
