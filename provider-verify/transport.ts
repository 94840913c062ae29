import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { Agent, request, type Dispatcher } from "undici";
import { transportError } from "../src/client/delivery-error.js";
import { informationalTolerantConnector } from "../src/client/informational-answers.js";

/** An HTTP answer, read in full (up to MAX_ANSWER_BYTES, decoded too). */
export interface HttpAnswer {
  readonly status: number;
  /**
   * Header pairs as received, lower-case names, multi-valued headers repeated; without
   * Content-Encoding when the body was decoded.
   */
  readonly headers: readonly (readonly [string, string])[];
  /** The body as received, or decoded when it came gzip-encoded (see `decodedFrom`). */
  readonly body: Buffer;
  /** Set when the body came with `Content-Encoding: gzip` and was decoded. */
  readonly decodedFrom?: "gzip";
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

/**
 * Far more than any Qimen answer; a provider streaming without end is cut off here, and a gzip
 * body that inflates past it (a "gzip bomb") is not inflated further.
 */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * Most header bytes read (Node's default is 16 KiB): the official SDK reads any number of headers,
 * so a WMS answering thousands of header lines is read, within this bound.
 */
export const MAX_HEADER_BYTES = 256 * 1024;

const inflate = promisify(gunzip);

/**
 * The HTTP client of verify's calls: connect within the deadline, headers up to MAX_HEADER_BYTES,
 * informational (1xx) answers before the final one skipped, as RFC 9110 asks of a client.
 */
export function verifierDispatcher(timeoutMs: number): Agent {
  return new Agent({
    connect: informationalTolerantConnector({ timeout: timeoutMs }),
    maxHeaderSize: MAX_HEADER_BYTES,
  });
}

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
    const decoded = await decodeContent(response.statusCode, headerPairs(response.headers), body);
    return typeof decoded === "string"
      ? { failure: `${where} ${decoded}`, unreachable: false, durationMs: elapsed() }
      : { ...decoded, durationMs: elapsed() };
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
  const notHttp = notHttpWords(cause);
  if (notHttp !== undefined) return { failure: `${where}: ${notHttp}${details(received)}`, unreachable: false };
  const known = transportError(cause, { endpoint: where, attempt: 1 });
  if (known !== undefined) {
    return {
      failure: `${where}: ${transportWords(known.code, errno, partial !== undefined)}${details([...(typeof errno === "string" ? [errno] : []), ...received])}`,
      unreachable: UNREACHABLE.has(known.code),
    };
  }
  return {
    failure: `${where}: ${cause instanceof Error ? cause.message : String(cause)}${details(received)}`,
    unreachable: false,
  };
}

/** What undici's parser says of an answer that is no HTTP/1.1 (an SSH banner, oversized headers), in words; else undefined. */
function notHttpWords(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  const { code, data } = cause as { code?: unknown; data?: unknown };
  if (code === "UND_ERR_HEADERS_OVERFLOW") {
    return `answered more than ${MAX_HEADER_BYTES} bytes of headers, far more than any Qimen answer needs (${code})`;
  }
  if (cause.name !== "HTTPParserError" && !(typeof code === "string" && code.startsWith("HPE_"))) return undefined;
  const near = typeof data === "string" && data !== "" ? `, at ${JSON.stringify(data.slice(0, 40))}` : "";
  // llhttp says "Expected HTTP/" when the very first bytes are no status line.
  return cause.message.includes("Expected HTTP/")
    ? `answered something that is not HTTP/1.1 (${cause.message}${near}): is another service listening on this port?`
    : `answered malformed HTTP/1.1 (${cause.message}${near})`;
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

/**
 * The body as the official Qimen Java SDK reads it: it asks for gzip and inflates a body whose
 * Content-Encoding is gzip (any case); it reads any other coding's bytes as they are, which cannot
 * be a Qimen answer. verify asks for no coding (Pact's core would inflate without a bound), so it
 * decodes gzip itself, to at most MAX_ANSWER_BYTES, and refuses every other coding in words.
 * Resolves to the answer to judge and relay (without Content-Encoding), or to why there is none.
 */
async function decodeContent(
  status: number,
  headers: readonly (readonly [string, string])[],
  body: Buffer,
): Promise<Omit<HttpAnswer, "durationMs"> | string> {
  const codings = headers
    .filter(([name]) => name === "content-encoding")
    .flatMap(([, value]) => value.split(","))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (codings.length === 0) return { status, headers, body };
  const answered = `answered HTTP ${status} with Content-Encoding: ${codings.join(", ")}`;
  if (codings.length > 1 || codings[0] !== "gzip") {
    return `${answered}, which verify did not ask for (it sends no Accept-Encoding) and the official Qimen Java SDK (DefaultQimenClient) cannot read: it decodes gzip alone. Answer uncompressed, or gzip`;
  }
  const unencoded = headers.filter(([name]) => name !== "content-encoding");
  try {
    return {
      status,
      headers: unencoded,
      body: await inflate(body, { maxOutputLength: MAX_ANSWER_BYTES }),
      decodedFrom: "gzip",
    };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return code === "ERR_BUFFER_TOO_LARGE"
      ? `${answered}: its ${body.length} bytes inflate to more than ${MAX_ANSWER_BYTES} bytes, so it was not inflated further (a gzip bomb, or far more than any Qimen answer)`
      : `${answered}, but its ${body.length} bytes are no valid gzip data (${error instanceof Error ? error.message : String(error)})`;
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
