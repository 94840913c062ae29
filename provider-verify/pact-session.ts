import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Dispatcher } from "undici";
import { toGatewayCall, type GatewaySettings } from "./gateway-call.js";
import { callHttp, isNoAnswer, MAX_TIMEOUT_MS, type CallOutcome, verifierDispatcher } from "./transport.js";
import { parsePactOutcomes } from "./pact-results.js";
import { checkedHeaders, forPact, judgedWithout, relayedHeaders } from "./pact-relay.js";
import { runPactVerifier } from "./pact-core-run.js";
import { startRelayServer, type RelayServer } from "./relay-server.js";
import { stateChangeFailure } from "./state-answer.js";
import { interactionId, markedCall, markedStateParams } from "./shards.js";
import type {
  DeliveryRecord,
  RunRecord,
  ShardInteraction,
  StateChangeRecord,
  WorkerJob,
  WorkerShard,
} from "./worker-protocol.js";

/** Where the relay takes the verifier core's state-change calls: no contract's request path. */
const STATE_PATH = "/__qimen-pact/provider-states";

/** What one interaction of a shard did, as the relay saw it. */
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
  /** Set when Pact was shown a stand-in instead of the answer's body (see forPact). */
  bodyWithheld?: boolean;
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
 * Runs the job's shards one after the other, each in one run of Pact's verifier core, and reports
 * the records of a shard's interactions (in shard order) when its run is over.
 *
 * The core's provider and state-change URL are our relay (relay-server.ts), which tells from each
 * call's marker (see shards.ts) which interaction it belongs to and answers it itself: state
 * changes go to the provider's state-change URL (a failure answers 500, so the core fails the
 * interaction), and the Qimen call is delivered the way the gateway delivers it (gateway-call.ts)
 * with our own HTTP client, whose answer is relayed to the core to match.
 */
export async function runShards(
  job: WorkerJob,
  report: (records: readonly RunRecord[]) => Promise<void>,
): Promise<void> {
  const gateway: GatewaySettings = { ...job.gateway, providerUrl: new URL(job.gateway.providerUrl) };
  const dispatcher = verifierDispatcher(job.timeoutMs);
  const session: Session = { job, gateway, dispatcher, unreachable: undefined, captures: new Map() };
  const relay = await startRelayServer((request, body, response) => relayCall(session, request, body, response));
  try {
    for (const shard of job.shards) await report(await runShard(session, relay, shard));
  } finally {
    await relay.close();
    await dispatcher.close();
  }
}

interface Session {
  readonly job: WorkerJob;
  readonly gateway: GatewaySettings;
  readonly dispatcher: Dispatcher;
  /** Set once a connection to the provider failed (refused, no route, timeout): later calls are not attempted. */
  unreachable: string | undefined;
  /** The interactions of the shard being verified, by index. */
  captures: ReadonlyMap<number, Capture>;
}

async function runShard(session: Session, relay: RelayServer, shard: WorkerShard): Promise<RunRecord[]> {
  const captures = new Map(
    shard.interactions.map((interaction): [number, Capture] => [
      interaction.index,
      { interaction, stateChanges: [], sensitive: [], relayProblems: [], failedSetups: new Map() },
    ]),
  );
  session.captures = captures;
  const pactResult = await runPactVerifier({
    provider: shard.provider,
    relayPort: relay.port,
    stateChangeUrl: `${relay.origin}${STATE_PATH}`,
    pactFile: shard.pactFile,
    // Our own calls time out first: one state change or one delivery, plus slack (within what
    // Node's timers take).
    timeoutMs: Math.min(2 * session.job.timeoutMs + 5_000, MAX_TIMEOUT_MS),
  });
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
    pact: judgedWithout(outcomes[position] ?? { passed: false, problems: [] }, capture.bodyWithheld === true),
    sensitive: capture.sensitive,
  }));
}

/** Answers one call of the verifier core: a state change, or the interaction's Qimen call to deliver. */
function relayCall(session: Session, request: IncomingMessage, body: Buffer, response: ServerResponse): void {
  const isStateChange = (request.url ?? "").split("?")[0] === STATE_PATH;
  const change = isStateChange ? stateChangeOf(jsonBody(body)) : undefined;
  // The core also calls with no state for interactions that have none: nothing to set.
  if (isStateChange && change === undefined) return answer(response, 200, "application/json", "{}");
  const index = change === undefined ? markedCall(request.headers) : change.index;
  // A state change of a shard of one needs no marker: V2 states, which cannot carry one, run alone
  // (see shards.ts). Calls to deliver always carry theirs.
  const alone = session.captures.size === 1 ? [...session.captures.values()][0] : undefined;
  const capture =
    (index === undefined ? undefined : session.captures.get(index)) ?? (change === undefined ? undefined : alone);
  if (capture === undefined) {
    // Never happens with our own shard files; if it did, guessing could pass the wrong one.
    return answer(response, 500, "text/plain", "qimen-pact: this call names no interaction of the shard");
  }
  const start = performance.now();
  const handled =
    change === undefined
      ? deliver(session, capture, request, body, response)
      : changeState(session, capture, change, response);
  handled
    .catch((error: unknown) => {
      // A bug in our relay must fail the interaction, never hang it.
      capture.delivery ??= { delivered: false, failure: `verifier relay error: ${String(error)}`, unreachable: false };
      if (!response.headersSent) answer(response, 500, "text/plain", `qimen-pact relay error: ${String(error)}`);
    })
    .finally(() => {
      const end = performance.now();
      capture.span = { start: capture.span?.start ?? start, end };
    });
}

/** A state-change call's JSON body; undefined when it is none. */
function jsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
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
  const failure = stateChangeFailure(outcome, url);
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
  request: IncomingMessage,
  body: Buffer,
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
  let call;
  try {
    call = toGatewayCall({ search: queryStart === -1 ? "" : url.slice(queryStart + 1), body }, session.gateway, {
      now: new Date(),
      badSignature: capture.interaction.badSignature,
    });
  } catch (error) {
    return notDelivered(error instanceof Error ? error.message : String(error), false);
  }
  capture.sensitive.push(...call.signs);
  const outcome = await callHttp(
    { url: call.url, method: "POST", headers: relayedHeaders(request.headers), body },
    session.dispatcher,
    session.job.timeoutMs,
  );
  if (isNoAnswer(outcome)) {
    if (outcome.unreachable) session.unreachable = outcome.failure;
    return notDelivered(outcome.failure, outcome.unreachable);
  }
  const { relayed, removed } = forPact(outcome);
  if (removed.includes("body-withheld")) capture.bodyWithheld = true;
  capture.delivery = {
    delivered: true,
    status: outcome.status,
    headers: outcome.headers,
    body: outcome.body.toString("base64"),
    removedForPact: removed,
  };
  response.statusCode = outcome.status;
  for (const [name, value] of checkedHeaders(outcome.headers, capture.interaction.checkedHeaders)) {
    response.setHeader(name, value);
  }
  response.setHeader("content-length", relayed.length);
  response.end(relayed);
}

function answer(response: ServerResponse, status: number, contentType: string, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  response.writeHead(status, { "content-type": contentType, "content-length": bytes.length });
  response.end(bytes);
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
