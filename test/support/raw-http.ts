import { expect } from "chai";
import { connect, type Socket } from "node:net";

/** A raw connection to a loopback port, and when it is closed: errors (a reset, EPIPE) only end it. */
export function rawSocket(port: number): { readonly socket: Socket; readonly closed: Promise<void> } {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  return { socket, closed: new Promise((resolve) => socket.once("close", () => resolve())) };
}

/** Writes `bytes` on a fresh connection and resolves with everything the server sent before closing it. */
export async function exchange(port: number, bytes: string | Uint8Array): Promise<Buffer> {
  const { socket, closed } = rawSocket(port);
  const received: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => received.push(chunk));
  socket.write(bytes);
  await closed;
  return Buffer.concat(received);
}

export interface RawAnswer {
  /** The status line, e.g. `HTTP/1.1 200 OK`. */
  readonly status: string;
  readonly body: string;
}

/** The answers in a raw HTTP/1.1 byte stream (Content-Length framed), in order; nothing may follow them. */
export function answersIn(stream: Buffer): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = stream;
  while (rest.subarray(0, 9).toString("latin1") === "HTTP/1.1 ") {
    const headEnd = rest.indexOf("\r\n\r\n");
    const head = rest.subarray(0, headEnd).toString("latin1");
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
    const bodyStart = headEnd + 4;
    answers.push({
      status: head.slice(0, head.indexOf("\r\n")),
      body: rest.subarray(bodyStart, bodyStart + length).toString("utf8"),
    });
    rest = rest.subarray(bodyStart + length);
  }
  expect(rest.toString("latin1"), "bytes after the last answer").to.equal("");
  return answers;
}
