import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { encodeResponse } from "../protocol/response-codec.js";
import { QIMEN_CONTENT_TYPE } from "../protocol/system-params.js";
import { checkXmlLimits, DEFAULT_XML_LIMITS, type XmlLimits } from "../protocol/xml.js";
import { readBody, type BodyReadResult } from "./body-reader.js";
import { formatLogLine, xmlSafeText, type LogFields } from "./log-line.js";
import { OrderStore } from "./order-store.js";
import { PROVIDER_STATES, PROVIDER_STATES_PATH, applyStateChange, type StateChangeAnswer } from "./provider-states.js";
import { answerQimenCall, type QimenCallPolicy, type QimenCallResult } from "./qimen-call.js";
import { requestTarget } from "./query.js";
import { headerPairs, type ObservedCall } from "./observed-call.js";
import type { AnswerRelay } from "./answer-relay.js";
import { checkCredentials, checkCustomerId, checkDuration, checkPath, MAX_TIMER_MS } from "./sandbox-options.js";
import { createServerLifecycle } from "./server-lifecycle.js";

export const DEFAULT_QIMEN_PATH = "/qimen";
/** TEST-ONLY credentials the sandbox accepts when given none. Never use them for a real WMS. */
export const SANDBOX_APP_KEY = "qimen-sandbox-app-key";
export const SANDBOX_SECRET = "qimen-sandbox-secret-TEST-ONLY";
/** TOP documents a 10-minute tolerance for timestamps. */
export const DEFAULT_TIMESTAMP_WINDOW_MS = 10 * 60 * 1000;
export const INSECURE_WARNING =
  "WARNING: signature checks are OFF (test only): any caller can cancel any order. Never expose this sandbox.";

const STATE_CHANGE_MAX_BYTES = 64 * 1024;
/**
 * How much of an oversize upload, past the body limit, is read and thrown away before the refusal
 * is answered: a server that answers and closes while the sender is still writing resets the
 * connection, and the sender never sees the answer. Past this, the sandbox stops reading, answers
 * and closes, and the sender may see a reset instead.
 */
export const UPLOAD_DISCARD_BYTES = 64 * 1024 * 1024;
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

export interface SandboxWmsOptions {
  /** app_key → secret. Default: SANDBOX_APP_KEY → SANDBOX_SECRET. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** When set, calls must carry this customerId. Default: any. */
  readonly customerId?: string;
  /** Path of the Qimen endpoint. Default DEFAULT_QIMEN_PATH. */
  readonly path?: string;
  /** Largest accepted clock difference, either way, of a call's timestamp. Default 10 minutes. */
  readonly timestampWindowMs?: number;
  /** The sandbox's only source of time. Default: the system clock. */
  readonly now?: () => Date;
  /** Receives one line per HTTP call. Default: discarded. */
  readonly log?: (line: string) => void;
  /**
   * TEST ONLY. false skips app_key and sign checks, for replaying recorded requests that cannot be
   * re-signed (e.g. Pact's Rust `pact verifier`). The timestamp window still applies. Default true.
   * Callers that turn it off must show INSECURE_WARNING to the user; each call's log line says `sign=unchecked`.
   */
  readonly verifySignatures?: boolean;
  /**
   * Accept sign_method hmac and hmac-sha256. Default false: the official SDK's receiver helper
   * (SpiUtils), which many WMSs are built on, checks md5 whatever sign_method says, so an ERP
   * signing with hmac passes here and breaks against them.
   */
  readonly allowHmacSignMethods?: boolean;
  /** Body size and nesting limits; a limit left out keeps its DEFAULT_XML_LIMITS value. */
  readonly xmlLimits?: Partial<XmlLimits>;
  /** The documents served. Default: a new, empty store. */
  readonly store?: OrderStore;
  /**
   * Receives every Qimen call once it is answered, with what the sandbox held for it (ObservedCall),
   * for recording and judging the caller. A throwing observer is ignored. Default: none.
   */
  readonly onQimenCall?: (call: ObservedCall) => void;
  /** Writes what the caller receives instead of the plain answer: WMS dialects, gateway faults (record). Default: none. */
  readonly relay?: AnswerRelay;
  /**
   * How long close() lets in-flight calls finish (a slow upload, a client that does not read its
   * answer) before it cuts every remaining connection. Default DEFAULT_DRAIN_TIMEOUT_MS.
   */
  readonly drainTimeoutMs?: number;
}

export interface SandboxWmsUrls {
  /** Where ERPs (or the gateway) POST their Qimen calls. */
  readonly qimenUrl: URL;
  /** Pact's state-change URL. */
  readonly stateChangeUrl: URL;
}

export interface SandboxWms {
  readonly server: Server;
  readonly store: OrderStore;
  /** Starts listening (default 127.0.0.1, port 0 = any free port) and resolves to the URLs served. */
  listen(address?: { readonly host?: string; readonly port?: number }): Promise<SandboxWmsUrls>;
  /**
   * Stops accepting and at once closes every connection without a call in flight (idle keep-alive,
   * never used, headers still arriving); in-flight calls finish and are answered with
   * `Connection: close`, for at most `drainTimeoutMs`, after which every connection is cut.
   * Resolves once all connections are gone. Idempotent.
   */
  close(): Promise<void>;
  /** Calls received and not yet answered (an upload still arriving counts): what close() would wait for. */
  inFlightCalls(): number;
}

/**
 * A sandbox Qimen WMS serving order.cancel and Pact provider states. Nothing happens until listen().
 * Every option is checked here, once: one the sandbox cannot honour is an OptionError naming it.
 */
export function createSandboxWms(options: SandboxWmsOptions = {}): SandboxWms {
  const path = checkPath(options.path ?? DEFAULT_QIMEN_PATH);
  const verifySignatures = options.verifySignatures ?? true;
  const policy: QimenCallPolicy = {
    credentials: checkCredentials(options.credentials ?? { [SANDBOX_APP_KEY]: SANDBOX_SECRET }),
    customerId: checkCustomerId(options.customerId),
    verifySignatures,
    timestampWindowMs: checkDuration("timestampWindowMs", options.timestampWindowMs ?? DEFAULT_TIMESTAMP_WINDOW_MS),
    xmlLimits: checkXmlLimits({ ...DEFAULT_XML_LIMITS, ...options.xmlLimits }, "xmlLimits"),
    allowHmacSignMethods: options.allowHmacSignMethods ?? false,
  };
  const drainTimeoutMs = checkDuration(
    "drainTimeoutMs",
    options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
    MAX_TIMER_MS,
  );
  const now = options.now ?? (() => new Date());
  const log = (line: string): void => {
    try {
      options.log?.(line);
    } catch {
      // A failing logger is the embedder's bug; it must not take the calls it logs down with it.
    }
  };
  const store = options.store ?? new OrderStore();

  const logCall = (started: number, fields: LogFields): void => {
    // Formatting is a measurable share of a call's cost (npm run bench): skip it when nobody reads the log.
    if (options.log === undefined) return;
    log(formatLogLine({ ...fields, latencyMs: (performance.now() - started).toFixed(1) }));
  };

  async function serveQimenCall(request: IncomingMessage, response: ServerResponse, search: string, started: number) {
    const read = await readBody(request, { maxBytes: policy.xmlLimits.maxBytes, discardBytes: UPLOAD_DISCARD_BYTES });
    if (read.kind === "aborted")
      return logCall(started, { call: "qimen", verdict: "aborted", reason: "client went away" });
    const receivedAt = now();
    const relayed = options.relay?.(read.kind === "complete" ? read.body : undefined, store);
    const result = judge(read, search, request.headers["content-type"], receivedAt, relayed?.store ?? store);
    const answer = { ...result.answer, message: xmlSafeText(result.answer.message) };
    const tooLarge = read.kind === "too-large";
    if (relayed === undefined) send(response, 200, QIMEN_CONTENT_TYPE, encodeResponse(answer), tooLarge);
    else relayed.write(answer, response, (status, type, body) => send(response, status, type, body, tooLarge));
    const { warnings, orderCode, held } = result;
    const about = { receivedAt, path: requestTarget(request.url ?? "").pathname, search, answer, warnings, held };
    const relayedAs = relayed?.note === undefined ? {} : { relayed: relayed.note };
    observe(request, read.kind === "complete" ? read.body : undefined, {
      ...about,
      ...relayedAs,
      ...(orderCode && { orderCode }),
    });
    logCall(started, {
      call: "qimen",
      method: result.method,
      orderCode: result.orderCode,
      verdict: result.answer.flag,
      code: result.answer.code,
      message: result.answer.message,
      warnings: result.warnings.length === 0 ? undefined : result.warnings.join("; "),
      sign: verifySignatures ? undefined : "unchecked",
    });
  }

  function judge(
    read: Exclude<BodyReadResult, { kind: "aborted" }>,
    search: string,
    contentType: string | undefined,
    receivedAt: Date,
    callStore: OrderStore,
  ): QimenCallResult {
    if (read.kind === "too-large") {
      const message = `request body is over the limit of ${policy.xmlLimits.maxBytes} bytes`;
      return { answer: { flag: "failure", code: "xml-too-large", message }, warnings: [] };
    }
    try {
      const call = { search, body: read.body, contentType, receivedAt };
      return answerQimenCall(call, policy, callStore, options.onQimenCall !== undefined);
    } catch (error) {
      // A bug must still answer in the envelope; judging never changes the store before it succeeds.
      const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      return { answer: { flag: "failure", code: "internal-error", message }, warnings: [] };
    }
  }

  function observe(request: IncomingMessage, body: Buffer | undefined, call: Omit<ObservedCall, "headers" | "body">) {
    try {
      options.onQimenCall?.({ ...call, headers: headerPairs(request.rawHeaders), body: body && new Uint8Array(body) });
    } catch {
      // As with the logger: the embedder's bug must not take the call down.
    }
  }

  async function serveStateChange(request: IncomingMessage, response: ServerResponse, started: number) {
    const read = await readBody(request, { maxBytes: STATE_CHANGE_MAX_BYTES, discardBytes: UPLOAD_DISCARD_BYTES });
    if (read.kind === "aborted")
      return logCall(started, { call: "state", verdict: "aborted", reason: "client went away" });
    const answer: StateChangeAnswer | { status: 413; body: { error: string } } =
      read.kind === "too-large"
        ? { status: 413, body: { error: `state change is over ${STATE_CHANGE_MAX_BYTES} bytes` } }
        : applyParsed(read.body);
    send(response, answer.status, "application/json", JSON.stringify(answer.body), read.kind === "too-large");
    logCall(started, {
      call: "state",
      action: "action" in answer ? answer.action : undefined,
      state: "state" in answer ? answer.state : undefined,
      orderCode: "orderCode" in answer ? answer.orderCode : undefined,
      status: answer.status,
      error: "error" in answer.body ? String(answer.body["error"]) : undefined,
      ignoredParams: "ignoredParams" in answer ? answer.ignoredParams?.join(",") : undefined,
    });
  }

  function applyParsed(body: Buffer): StateChangeAnswer {
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      return { status: 400, body: { error: "state change body is not JSON", knownStates: PROVIDER_STATES } };
    }
    return applyStateChange(payload, store);
  }

  function send(response: ServerResponse, status: number, contentType: string, body: string, closeAfter = false): void {
    const bytes = Buffer.from(body, "utf8");
    response.writeHead(status, {
      "content-type": contentType,
      "content-length": bytes.length,
      // While draining, finishing a call must also free its connection, or close() would wait for the client.
      ...(closeAfter || lifecycle.draining() ? { connection: "close" } : {}),
    });
    response.end(bytes);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const { pathname, search } = requestTarget(request.url ?? "");
    const allowed = pathname === path ? ["POST"] : pathname === PROVIDER_STATES_PATH ? ["GET", "POST"] : undefined;
    if (allowed === undefined || !allowed.includes(request.method ?? "")) {
      const status = allowed === undefined ? 404 : 405;
      if (allowed !== undefined) response.setHeader("allow", allowed.join(", "));
      send(
        response,
        status,
        "text/plain;charset=utf-8",
        `${status === 404 ? "not found" : "method not allowed"}: ${request.method} ${pathname}\n`,
      );
      return logCall(started, { call: "http", httpMethod: request.method, path: pathname, status });
    }
    if (pathname === path) return serveQimenCall(request, response, search, started);
    if (request.method === "GET") {
      send(response, 200, "application/json", JSON.stringify({ states: PROVIDER_STATES }));
      return logCall(started, { call: "state", action: "list", status: 200 });
    }
    return serveStateChange(request, response, started);
  }

  const lifecycle = createServerLifecycle(handle, {
    drainTimeoutMs,
    log,
    onHandlerError: (response) => send(response, 500, "text/plain;charset=utf-8", "internal error\n", true),
  });
  const { server } = lifecycle;
  return {
    server,
    store,
    async listen(at = {}) {
      const origin = await lifecycle.listen(at);
      return { qimenUrl: new URL(path, origin), stateChangeUrl: new URL(PROVIDER_STATES_PATH, origin) };
    },
    close: () => lifecycle.close(),
    inFlightCalls: () => lifecycle.inFlightCalls(),
  };
}
