import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { buildConnector } from "undici";

/**
 * undici 7 destroys the connection when a `100 Continue` it did not ask for arrives, so a WMS
 * whose server sends one before its 200 (RFC 9110 lets it, and every client must then read on to
 * the final answer) looked unreachable. These sockets drop each informational head (1xx but 101,
 * which switches protocols and stays undici's to judge) found where an answer begins, before
 * undici's parser sees it; every other byte passes unchanged, so undici's own checks stay whole.
 */
export function skippingInformationalAnswers(connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) =>
    connect(options, (...args) => {
      if (args[0] === null) callback(null, new InformationalHeadFilter(args[1]) as unknown as Socket);
      else callback(args[0], null);
    });
}

/** undici's default connector with these options, skipping informational answers. */
export function informationalTolerantConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  return skippingInformationalAnswers(buildConnector(options));
}

/** An informational head longer than this is no honest one: passed on for undici to refuse. */
const MAX_INFORMATIONAL_HEAD_BYTES = 16 * 1024;
/** An informational status line's start: 1xx but 101, then the space before its reason (or none). */
const INFORMATIONAL_START = /^HTTP\/1\.[01] 1(?!01)[0-9]{2}[ \r]/;
/** One such start, to complete a prefix with: the prefix fits when the completed line does. */
const SAMPLE_START = "HTTP/1.1 100 ";
/** The blank line after a head; a bare LF too, which lenient servers write and RFC 9112 lets a reader take. */
const END_OF_HEAD = /\r?\n\r?\n/;
/** What undici writes first for every request: pipelining is off, so an answer begins after it. */
const REQUEST_LINE = /^[A-Z]+ [^ \r\n]+ HTTP\/1\.1\r\n/;

/**
 * Length of the informational head `bytes` start with; 0 when they start any other way;
 * undefined while too few bytes have arrived to tell, or to find where the head ends.
 */
function informationalHeadLength(bytes: Buffer): number | undefined {
  const start = bytes.subarray(0, SAMPLE_START.length).toString("latin1");
  if (!INFORMATIONAL_START.test(start + SAMPLE_START.slice(start.length))) return 0;
  if (start.length < SAMPLE_START.length) return undefined;
  const end = END_OF_HEAD.exec(bytes.subarray(0, MAX_INFORMATIONAL_HEAD_BYTES).toString("latin1"));
  if (end !== null) return end.index + end[0].length;
  return bytes.length >= MAX_INFORMATIONAL_HEAD_BYTES ? 0 : undefined;
}

/** The connection's socket as undici uses it, with informational heads taken out of what it reads. */
class InformationalHeadFilter extends Duplex {
  /** Bytes held where an answer begins, until it is clear whether they are an informational head; undefined once inside an answer. */
  #held: Buffer | undefined = Buffer.alloc(0);

  constructor(private readonly socket: Socket) {
    super({ allowHalfOpen: false });
    socket.on("data", (chunk: Buffer) => this.#receive(chunk));
    socket.on("end", () => {
      if (this.#held !== undefined) this.#pass(this.#held);
      this.push(null);
    });
    socket.on("error", (error) => this.destroy(error));
    socket.on("close", () => this.destroy());
  }

  #receive(chunk: Buffer): void {
    if (this.#held === undefined) {
      this.#pass(chunk);
      return;
    }
    let bytes = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    for (let length = informationalHeadLength(bytes); length !== 0; length = informationalHeadLength(bytes)) {
      if (length === undefined) {
        this.#held = bytes;
        return;
      }
      bytes = bytes.subarray(length);
    }
    this.#held = undefined;
    this.#pass(bytes);
  }

  #pass(bytes: Buffer): void {
    if (bytes.length > 0 && !this.push(bytes)) this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#held === undefined && REQUEST_LINE.test(chunk.subarray(0, 2048).toString("latin1"))) {
      this.#held = Buffer.alloc(0);
    }
    this.socket.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy(error ?? undefined);
    callback(error);
  }

  // What undici reads off a socket besides the stream: keep-alive refs and, for its error messages, the addresses.
  ref(): this {
    this.socket.ref();
    return this;
  }

  unref(): this {
    this.socket.unref();
    return this;
  }

  get alpnProtocol(): string | false | undefined {
    return (this.socket as Socket & { alpnProtocol?: string | false }).alpnProtocol;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  get bytesRead(): number {
    return this.socket.bytesRead;
  }
}
