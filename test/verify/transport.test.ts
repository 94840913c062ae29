import { expect } from "chai";
import { gzipSync } from "node:zlib";
import {
  callHttp,
  MAX_ANSWER_BYTES,
  MAX_HEADER_BYTES,
  verifierDispatcher,
  type CallOutcome,
} from "../../provider-verify/transport.js";
import { qimenResponse, startLoopbackServer } from "../support/loopback-server.js";
import { gzipBomb } from "../support/gzip-bomb.js";
import { SSH_BANNER, startRawServer } from "../support/odd-servers.js";

/*
 * verify's own HTTP client (transport.ts) reads every answer the gate judges: what a hostile WMS
 * answers must come back as a bounded answer or a failure in words, never as an unbounded inflate
 * or a message like "(undefined)".
 */

const SUCCESS = qimenResponse("success", "0");

interface Served {
  readonly contentEncoding?: string;
  readonly body: Buffer | (() => Promise<Buffer>);
  /** Header lines besides Content-Type and Content-Encoding. */
  readonly lines?: number;
}

interface DecodingCase {
  readonly name: string;
  readonly served: Served;
  /** The outcome, its duration left out, for the endpoint and the length of the body served. */
  readonly expected: (where: string, length: number) => Omit<CallOutcome, "durationMs">;
}

const DECODING: readonly DecodingCase[] = [
  {
    name: "an uncompressed answer is read as it is",
    served: { body: Buffer.from(SUCCESS) },
    expected: () => answer(Buffer.from(SUCCESS)),
  },
  {
    name: "Content-Encoding: identity is no coding",
    served: { contentEncoding: "identity", body: Buffer.from(SUCCESS) },
    expected: () => answer(Buffer.from(SUCCESS), [["content-encoding", "identity"]]),
  },
  {
    // The SDK asks for gzip and inflates it (docs/protocol.md), so a small gzip answer is a good answer.
    name: "a small gzip answer is inflated, and loses its Content-Encoding",
    served: { contentEncoding: "gzip", body: gzipSync(SUCCESS) },
    expected: () => ({ ...answer(Buffer.from(SUCCESS)), decodedFrom: "gzip" }),
  },
  {
    name: "Content-Encoding: GZIP is gzip too (the SDK compares ignoring case)",
    served: { contentEncoding: "GZIP", body: gzipSync(SUCCESS) },
    expected: () => ({ ...answer(Buffer.from(SUCCESS)), decodedFrom: "gzip" }),
  },
  {
    name: "a gzip bomb is not inflated past MAX_ANSWER_BYTES",
    served: { contentEncoding: "gzip", body: gzipBomb },
    expected: (where, length) => ({
      failure: `${where} answered HTTP 200 with Content-Encoding: gzip: its ${length} bytes inflate to more than ${MAX_ANSWER_BYTES} bytes, so it was not inflated further (a gzip bomb, or far more than any Qimen answer)`,
      unreachable: false,
    }),
  },
  {
    name: "gzip data that is no gzip fails in words",
    served: { contentEncoding: "gzip", body: Buffer.from(SUCCESS) },
    expected: (where) => ({
      failure: `${where} answered HTTP 200 with Content-Encoding: gzip, but its ${SUCCESS.length} bytes are no valid gzip data (incorrect header check)`,
      unreachable: false,
    }),
  },
  ...["br", "deflate", "gzip, gzip"].map((coding): DecodingCase => ({
    name: `Content-Encoding: ${coding}, which the SDK cannot read, fails in words`,
    served: { contentEncoding: coding, body: gzipSync(SUCCESS) },
    expected: (where) => ({
      failure: `${where} answered HTTP 200 with Content-Encoding: ${coding}, which verify did not ask for (it sends no Accept-Encoding) and the official Qimen Java SDK (DefaultQimenClient) cannot read: it decodes gzip alone. Answer uncompressed, or gzip`,
      unreachable: false,
    }),
  })),
  {
    // The official SDK reads any number of headers; Node's default limit is 16 KiB.
    name: "2 000 header lines (34 KB) are read",
    served: { body: Buffer.from(SUCCESS), lines: 2_000 },
    expected: () => answer(Buffer.from(SUCCESS), Object.entries(traceHeaders(2_000))),
  },
  {
    name: "headers past MAX_HEADER_BYTES fail in words",
    served: { body: Buffer.from(SUCCESS), lines: 20_000 },
    expected: (where) => ({
      failure: `${where}: answered more than ${MAX_HEADER_BYTES} bytes of headers, far more than any Qimen answer needs (UND_ERR_HEADERS_OVERFLOW)`,
      unreachable: false,
    }),
  },
];

function traceHeaders(lines: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: lines }, (_, line) => [`x-trace-${line}`, "1"]));
}

function answer(body: Buffer, extra: readonly (readonly [string, string])[] = []): Omit<CallOutcome, "durationMs"> {
  return { status: 200, headers: [["content-type", "text/xml;charset=utf-8"], ...extra], body };
}

/** The outcome without its duration and the headers every node:http answer carries. */
function comparable(outcome: CallOutcome): Omit<CallOutcome, "durationMs"> {
  const ours = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding"]);
  if (!("headers" in outcome)) return { failure: outcome.failure, unreachable: outcome.unreachable };
  const { status, headers, body, decodedFrom } = outcome;
  return {
    status,
    headers: headers.filter(([name]) => !ours.has(name)),
    body,
    ...(decodedFrom === undefined ? {} : { decodedFrom }),
  };
}

async function call(endpoint: string): Promise<CallOutcome> {
  const dispatcher = verifierDispatcher(10_000);
  try {
    return await callHttp(
      { url: new URL(endpoint), method: "POST", headers: {}, body: Buffer.from("<request/>") },
      dispatcher,
      10_000,
    );
  } finally {
    await dispatcher.close();
  }
}

describe("verify transport: what a WMS answers comes back bounded, or as a failure in words", () => {
  for (const { name, served, expected } of DECODING) {
    it(name, async () => {
      const body = typeof served.body === "function" ? await served.body() : served.body;
      const server = await startLoopbackServer((_received, response) => {
        response.writeHead(200, {
          "content-type": "text/xml;charset=utf-8",
          ...(served.contentEncoding === undefined ? {} : { "content-encoding": served.contentEncoding }),
          ...traceHeaders(served.lines ?? 0),
        });
        response.end(body);
      });
      try {
        const where = server.endpoint;
        expect(comparable(await call(where))).to.deep.equal(expected(where, body.length));
      } finally {
        await server.close();
      }
    });
  }

  it("an answer that is not HTTP says so, and what it began with", async () => {
    const server = await startRawServer(SSH_BANNER);
    try {
      expect(comparable(await call(server.endpoint))).to.deep.equal({
        failure: `${server.endpoint}: answered something that is not HTTP/1.1 (Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/), at "SSH-2.0-OpenSSH_9.6\\r\\n"): is another service listening on this port?`,
        unreachable: false,
      });
    } finally {
      await server.close();
    }
  });

  it("an answer of malformed HTTP says so, without guessing another service", async () => {
    const server = await startRawServer("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nno colon here\r\n\r\n");
    try {
      expect(comparable(await call(server.endpoint))).to.deep.equal({
        failure: `${server.endpoint}: answered malformed HTTP/1.1 (Response does not match the HTTP/1.1 protocol (Invalid header token), at " colon here\\r\\n\\r\\n")`,
        unreachable: false,
      });
    } finally {
      await server.close();
    }
  });
});
