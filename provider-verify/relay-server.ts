import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/*
 * The loopback server Pact's verifier core talks to as its provider and state-change URL. Only
 * the core calls it, with the contract's own requests; we answer each call ourselves (see
 * pact-session.ts), so the hop between the core and the WMS is ours: what is delivered, how it is
 * signed, what of the answer the core is shown.
 */

/** Answers one call of the core, given its whole body. */
export type RelayHandler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;

export interface RelayServer {
  /** The server's origin, `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Far more than any contract's request body; a larger one is answered 413 and never relayed. */
export const MAX_RELAYED_REQUEST_BYTES = 8 * 1024 * 1024;

export async function startRelayServer(handle: RelayHandler): Promise<RelayServer> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_RELAYED_REQUEST_BYTES) chunks.push(chunk);
    });
    request.once("end", () => {
      if (size > MAX_RELAYED_REQUEST_BYTES) {
        response.writeHead(413, { "content-type": "text/plain" }).end("qimen-pact: request too large to relay");
        return;
      }
      handle(request, Buffer.concat(chunks), response);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    async close() {
      const closed = once(server, "close");
      server.close();
      // Only the core is connected, and it is done: its idle keep-alive sockets need not linger.
      server.closeAllConnections();
      await closed;
    },
  };
}
