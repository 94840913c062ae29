import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import { request, type Dispatcher } from "undici";
import { transportError } from "../src/client/delivery-error.js";

/** An HTTP answer, read in full (up to MAX_ANSWER_BYTES). */
export interface HttpAnswer {
  readonly status: number;
  /** Header pairs as received, lower-case names, multi-valued headers repeated. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  readonly durationMs: number;
}

/** Why a call got no answer, in words fit for a report (no query string: it carries the sign). */
export interface NoAnswer {
  readonly failure: string;
  /** The provider is unreachable (refused, no route, connect timeout): later calls would fail alike. */
  readonly unreachable: boolean;
  readonly durationMs: number;
}

export type CallOutcome = HttpAnswer | NoAnswer;

/** A URL as reports show it: origin and path, never credentials, query (the sign) or fragment. */
export function shownUrl(url: URL): string {
  return url.origin + url.pathname;
}

export function isNoAnswer(outcome: CallOutcome): outcome is NoAnswer {
  return "failure" in outcome;
}

/** Node's timers take at most 2^31 − 1 ms (about 24.8 days); a longer deadline fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Far more than any Qimen answer; a provider streaming without end is cut off here. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

const UNREACHABLE = new Set(["QIMEN_CONNECTION_REFUSED", "QIMEN_CONNECT_TIMEOUT"]);

export interface HttpCall {
  readonly url: URL;
  readonly method: "POST";
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** How far an answer had come when the call failed: its status arrived, and this many body bytes. */
interface PartialAnswer {
  readonly status: number;
  bytes: number;
}

/**
 * One HTTP call with a deadline for the whole exchange. Transport failures are results, not
 * errors: the verifier reports them per interaction, saying whether the answer had begun.
 */
export async function callHttp(call: HttpCall, dispatcher: Dispatcher, timeoutMs: number): Promise<CallOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const where = shownUrl(call.url);
  let partial: PartialAnswer | undefined;
  try {
    const response = await request(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer: PartialAnswer = { status: response.statusCode, bytes: 0 };
    partial = answer;
    const body = await readCapped(response.body, answer);
    if (body === undefined) {
      return {
        failure: `${where} answered more than ${MAX_ANSWER_BYTES} bytes`,
        unreachable: false,
        durationMs: elapsed(),
      };
    }
    return { status: response.statusCode, headers: headerPairs(response.headers), body, durationMs: elapsed() };
  } catch (cause) {
    return { ...describeFailure(cause, where, timeoutMs, partial), durationMs: elapsed() };
  }
}

function describeFailure(
  cause: unknown,
  where: string,
  timeoutMs: number,
  partial: PartialAnswer | undefined,
): Omit<NoAnswer, "durationMs"> {
  const received =
    partial === undefined ? [] : [`HTTP ${partial.status} and ${partial.bytes} bytes of the body had arrived`];
  const details = (parts: readonly string[]): string => (parts.length === 0 ? "" : ` (${parts.join("; ")})`);
  const errno = (cause as { code?: unknown } | null)?.code;
  const timedOut =
    (cause as { name?: unknown } | null)?.name === "TimeoutError" ||
    errno === "UND_ERR_HEADERS_TIMEOUT" ||
    errno === "UND_ERR_BODY_TIMEOUT";
  if (timedOut) {
    const what = partial === undefined ? "did not answer" : "did not finish its answer";
    return { failure: `${where} ${what} within ${timeoutMs} ms${details(received)}`, unreachable: false };
  }
  const known = transportError(cause, { endpoint: where, attempt: 1 });
  if (known !== undefined) {
    return {
      failure: `${where}: ${transportWords(known.code, errno, partial !== undefined)}${details([String(errno), ...received])}`,
      unreachable: UNREACHABLE.has(known.code),
    };
  }
  return {
    failure: `${where}: ${cause instanceof Error ? cause.message : String(cause)}${details(received)}`,
    unreachable: false,
  };
}

/** A transport failure in words; read timeouts never get here (describeFailure says them itself). */
function transportWords(code: string, errno: unknown, answerBegun: boolean): string {
  switch (code) {
    case "QIMEN_CONNECTION_REFUSED":
      return "connection refused or host not reachable";
    case "QIMEN_CONNECT_TIMEOUT":
      return "timed out opening a connection";
    default:
      return `the connection ${errno === "ECONNRESET" ? "was reset" : "closed"} ${answerBegun ? "in the middle of the answer" : "before an answer arrived"}`;
  }
}

/** The whole body, counting bytes into `answer` as they arrive; undefined past MAX_ANSWER_BYTES. */
async function readCapped(body: Dispatcher.ResponseData["body"], answer: PartialAnswer): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    answer.bytes += bytes.length;
    if (answer.bytes > MAX_ANSWER_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

function headerPairs(headers: Record<string, string | string[] | undefined>): [string, string][] {
  return Object.entries(headers).flatMap(([name, value]): [string, string][] =>
    value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]),
  );
}

/**
 * Whether a TCP connection to the URL's host and port opens within the deadline: checked before
 * any interaction runs, so an unreachable provider fails in one clear line instead of one timeout
 * per interaction. Resolves to undefined when it opens, else to the reason.
 */
export async function probeTcp(url: URL, timeoutMs: number): Promise<string | undefined> {
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const where = `${url.hostname}:${port}`;
  return await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const settle = (reason: string | undefined): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.once("connect", () => settle(undefined));
    socket.once("timeout", () => settle(`${where}: timed out opening a connection after ${timeoutMs} ms`));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const known = transportError(error, { endpoint: where, attempt: 1 });
      settle(
        `${where}: ${known === undefined ? error.message : `${transportWords(known.code, error.code, false)} (${error.code})`}`,
      );
    });
  });
}
