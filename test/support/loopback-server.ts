import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the server received it: the raw body bytes and the URL-decoded query, in order. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: readonly (readonly [string, string])[];
  readonly contentType: string | undefined;
  /** The Accept-Encoding the caller sent, if any. */
  readonly acceptEncoding?: string;
  readonly body: Buffer;
}

/** Answers one request; `index` counts requests from 0. */
export type Responder = (received: ReceivedRequest, response: ServerResponse, index: number) => void;

export interface LoopbackServer {
  /** The endpoint to call, `http://127.0.0.1:<port>/router/qimen/service`. */
  readonly endpoint: string;
  readonly received: readonly ReceivedRequest[];
  close(): Promise<void>;
}

export const QIMEN_PATH = "/router/qimen/service";

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** A real HTTP server on a loopback port chosen by the OS, recording every request it reads in full. */
export async function startLoopbackServer(respond: Responder): Promise<LoopbackServer> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const entry: ReceivedRequest = {
        method: request.method ?? "",
        path: url.pathname,
        query: [...url.searchParams],
        contentType: request.headers["content-type"],
        ...(request.headers["accept-encoding"] === undefined
          ? {}
          : { acceptEncoding: request.headers["accept-encoding"] }),
        body: Buffer.concat(chunks),
      };
      received.push(entry);
      respond(entry, response, received.length - 1);
    });
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}${QIMEN_PATH}`,
    received,
    async close() {
      // Drops the connections of requests left unanswered on purpose (read-timeout tests).
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** Answers with the given body (XML unless said otherwise) and status. */
export function answer(body: string, status = 200, contentType = "text/xml;charset=utf-8"): Responder {
  return (_received, response) => {
    response.writeHead(status, { "content-type": contentType });
    response.end(body);
  };
}

/** Answers each request with the next responder of the list, the last one for every further request. */
export function inTurn(...responders: readonly Responder[]): Responder {
  return (received, response, index) => {
    const responder = responders[Math.min(index, responders.length - 1)];
    responder?.(received, response, index);
  };
}

/** Never answers: the client's read timeout must end the call. */
export const neverAnswer: Responder = () => {};

/** Sends the status, the headers and the start of the body, then stalls: the client's read timeout must end the call. */
export const stallMidBody: Responder = (_received, response) => {
  response.writeHead(200, { "content-type": "text/xml;charset=utf-8" });
  response.write('<?xml version="1.0" encoding="utf-8"?><response><flag>succ');
};

/**
 * Sends the status, the headers and then the body `bytesPerTick` bytes at a time, 20 ms apart:
 * no gap is long, but the whole answer can take far longer than any one gap.
 */
export function trickle(body: string, bytesPerTick: number): Responder {
  return (_received, response) => {
    const bytes = Buffer.from(body, "utf8");
    response.writeHead(200, { "content-type": "text/xml;charset=utf-8", "content-length": bytes.length });
    let sent = 0;
    const ticker = setInterval(() => {
      response.write(bytes.subarray(sent, sent + bytesPerTick));
      sent += bytesPerTick;
      if (sent < bytes.length) return;
      clearInterval(ticker);
      response.end();
    }, 20);
    response.on("close", () => clearInterval(ticker));
  };
}

/** Drops the connection after reading the request, without a byte of answer. */
export const dropConnection: Responder = (_received, response) => {
  response.socket?.destroy();
};

/** An endpoint on a loopback port nothing listens on any more: connecting is refused. */
export async function deadEndpoint(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  server.close();
  await once(server, "close");
  return `http://127.0.0.1:${port}${QIMEN_PATH}`;
}

/** A Qimen `<response>` envelope. */
export function qimenResponse(flag: string, code?: string, message?: string): string {
  const optional = (name: string, value: string | undefined): string =>
    value === undefined ? "" : `<${name}>${value}</${name}>`;
  return `<?xml version="1.0" encoding="utf-8"?><response><flag>${flag}</flag>${optional("code", code)}${optional("message", message)}</response>`;
}
