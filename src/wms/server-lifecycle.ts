import { once } from "node:events";
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { OptionError } from "../protocol/errors.js";
import { formatLogLine } from "./log-line.js";

/*
 * The sandbox's HTTP server and its lifecycle: every connection tracked (so close() never waits
 * for a silent one), client errors answered only after the calls before them, and a drain that
 * finishes calls in flight within a deadline. Routing and the endpoints are the sandbox's.
 */

export interface ServerLifecycle {
  readonly server: Server;
  /** Set once close() began: answers then close their connection. */
  draining(): boolean;
  /** Listens and resolves to the origin, `http://host:port`. */
  listen(at: { readonly host?: string; readonly port?: number }): Promise<string>;
  close(): Promise<void>;
  inFlightCalls(): number;
}

export interface LifecycleHooks {
  readonly drainTimeoutMs: number;
  readonly log: (line: string) => void;
  /** Answers a call whose handler threw before answering. */
  readonly onHandlerError: (response: ServerResponse) => void;
}

export function createServerLifecycle(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  hooks: LifecycleHooks,
): ServerLifecycle {
  let draining = false;
  let closing: Promise<void> | undefined;
  /** Every open connection → its calls in flight (more than one when pipelined). */
  const callsInFlight = new Map<Socket, Set<Call>>();

  function trackCall(call: Call): void {
    const { socket } = call.request;
    const calls = callsInFlight.get(socket) ?? new Set<Call>();
    callsInFlight.set(socket, calls.add(call));
    call.response.once("close", () => {
      calls.delete(call);
      // An answer begun before close() carries no `Connection: close`: free its connection here.
      if (draining && calls.size === 0 && callsInFlight.has(socket)) socket.destroySoon();
    });
  }

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (request, response) => {
    trackCall({ request, response });
    handle(request, response).catch((error: unknown) => {
      // Unreachable by design (Qimen calls always get an envelope); if it happens, keep serving and
      // fail loudly: a 2xx to a state change would hide a failed setup from the verifier.
      hooks.log(
        formatLogLine({
          call: "http",
          verdict: "error",
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      if (!response.headersSent) hooks.onHandlerError(response);
    });
  });
  answerClientErrorsAfterCalls(server, callsInFlight);
  trackConnections(server, callsInFlight);
  const logServerError = (error: Error): void =>
    hooks.log(formatLogLine({ call: "server", verdict: "error", error: error.message }));

  return {
    server,
    draining: () => draining,
    async listen({ host = "127.0.0.1", port = 0 }) {
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new OptionError("port", "an integer from 0 to 65535 (0 picks a free port)", port);
      }
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          // Later errors (e.g. accept failing when out of file descriptors) must not bring the sandbox down.
          server.on("error", logServerError);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      return `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        draining = true;
        // Past the deadline, cut what is left (a stalled upload, a client not reading its answer).
        const deadline = setTimeout(() => {
          for (const socket of callsInFlight.keys()) socket.destroy();
        }, hooks.drainTimeoutMs);
        server.close((error) => {
          clearTimeout(deadline);
          if (error !== undefined && (error as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING") reject(error);
          else resolve();
        });
        // destroySoon, not destroy: an answer just written may still be on its way out.
        for (const [socket, calls] of callsInFlight) if (calls.size === 0) socket.destroySoon();
      });
      return closing;
    },
    inFlightCalls() {
      let calls = 0;
      for (const onConnection of callsInFlight.values()) calls += onConnection.size;
      return calls;
    },
  };
}

/** One call: what was received and the answer it gets. */
interface Call {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
}

/** What node:http's default answers each client error with, as raw HTTP closing the connection. */
function clientErrorAnswer(error: NodeJS.ErrnoException): string {
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

/**
 * Bytes that are not HTTP (or headers too large, or too slow) after a call on the same
 * connection: node:http's default answers 400 and destroys the socket at once, losing the answer
 * the call before them is still being judged for. Calls received whole are answered first; a
 * call cut short by the bad bytes never reaches judging and ends with the connection.
 */
function answerClientErrorsAfterCalls(server: Server, callsInFlight: ReadonlyMap<Socket, ReadonlySet<Call>>): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
    const refuse = (): void => {
      socket.write(clientErrorAnswer(error));
      socket.destroySoon();
    };
    const answered = [...(callsInFlight.get(socket) ?? [])]
      .filter(({ request }) => request.complete)
      .map(({ response }) => once(response, "close"));
    if (answered.length === 0) refuse();
    else void Promise.allSettled(answered).then(refuse);
  });
}

/**
 * Every connection tracked from its opening: node:http's closeIdleConnections() misses connections
 * that never sent a request or are still sending headers, so close() would wait for them forever.
 */
function trackConnections(server: Server, callsInFlight: Map<Socket, Set<Call>>): void {
  server.on("connection", (socket: Socket) => {
    callsInFlight.set(socket, new Set());
    socket.once("close", () => callsInFlight.delete(socket));
  });
}
