import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { promisify } from "node:util";
import { QIMEN_PATH } from "./loopback-server.js";

/** A loopback server that is no proper Qimen WMS, and the endpoint a client would call on it. */
export interface OddServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

async function listenOnLoopback(server: Server, scheme: "http" | "https"): Promise<OddServer> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${scheme}://127.0.0.1:${port}${QIMEN_PATH}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** A TCP server that answers every connection with `reply` and hangs up: e.g. an SSH daemon on the WMS's port. */
export function startRawServer(reply: string): Promise<OddServer> {
  const server = createTcpServer((socket) => {
    socket.on("error", () => undefined);
    socket.end(reply);
  });
  return listenOnLoopback(server, "http");
}

/** An SSH daemon's greeting, as a WMS port taken by the wrong service answers. */
export const SSH_BANNER = "SSH-2.0-OpenSSH_9.6\r\n";

/** A key and a self-signed certificate for localhost, made by openssl in a temporary directory. */
async function selfSignedCertificate(): Promise<{ key: Buffer; cert: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), "qimen-tls-"));
  try {
    const keyFile = join(dir, "key.pem");
    const certFile = join(dir, "cert.pem");
    await promisify(execFile)("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost"],
    ]);
    return { key: await readFile(keyFile), cert: await readFile(certFile) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let certificate: ReturnType<typeof selfSignedCertificate> | undefined;
/** A certificate for startUntrustedTlsServer, made once per test run on first use: openssl takes a moment. */
export const untrustedCertificate = (): ReturnType<typeof selfSignedCertificate> =>
  (certificate ??= selfSignedCertificate());

/** An HTTPS server whose certificate no client trusts: the TLS handshake fails before any request. */
export function startUntrustedTlsServer(credentials: { key: Buffer; cert: Buffer }): Promise<OddServer> {
  const server = createTlsServer(credentials, (socket) => socket.end());
  server.on("tlsClientError", () => undefined);
  return listenOnLoopback(server, "https");
}

const END_OF_REQUEST_HEAD = "\r\n\r\n";

/**
 * An HTTP server written byte by byte: each request on a connection is read whole, then answered by
 * writing `parts` as separate writes, exactly as given (e.g. an informational `HTTP/1.1 100
 * Continue` no Node.js server sends unasked before its answer); then it waits for the next
 * request, or hangs up when `then` is "hang-up".
 */
export function startScriptedHttpServer(
  parts: readonly string[],
  then: "keep-alive" | "hang-up" = "keep-alive",
  tls?: { readonly key: Buffer; readonly cert: Buffer },
): Promise<OddServer> {
  const answer = (socket: Socket): void => {
    socket.on("error", () => undefined);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const headEnd = buffered.indexOf(END_OF_REQUEST_HEAD);
        if (headEnd === -1) return;
        const length = /\r\ncontent-length: *([0-9]+)/i.exec(buffered.subarray(0, headEnd).toString("latin1"));
        const requestEnd = headEnd + END_OF_REQUEST_HEAD.length + Number(length?.[1] ?? 0);
        if (buffered.length < requestEnd) return;
        buffered = buffered.subarray(requestEnd);
        for (const part of parts) socket.write(part);
        if (then === "hang-up") socket.end();
      }
    });
  };
  // Over TLS too, with `tls`: the same bytes inside the encrypted stream.
  return tls === undefined
    ? listenOnLoopback(createTcpServer(answer), "http")
    : listenOnLoopback(createTlsServer(tls, answer), "https");
}

/** A whole HTTP/1.1 answer with a Content-Length, as `startScriptedHttpServer` writes it. */
export function httpAnswer(
  body: string,
  headers: readonly string[] = ["Content-Type: text/xml;charset=utf-8"],
): string {
  return ["HTTP/1.1 200 OK", ...headers, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
}
