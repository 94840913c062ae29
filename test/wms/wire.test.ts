import { expect } from "chai";
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { request } from "undici";
import { UPLOAD_DISCARD_BYTES } from "../../src/wms/sandbox.js";
import {
  CANCEL_NEW_ORDER_BODY as BODY,
  CANCELLED,
  NEW_ORDER,
  signedParams,
  startSandbox,
  toReply,
  toSearch,
  type QimenReply,
  type RunningSandbox,
} from "./harness.js";
import { answersIn, exchange, rawSocket } from "../support/raw-http.js";

const SEARCH = toSearch(signedParams({ body: BODY }));
const BODY_BYTES = Buffer.byteLength(BODY);

const port = (sandbox: RunningSandbox): number => Number(sandbox.qimenUrl.port);

/** A signed cancel as raw HTTP; `closing` asks the sandbox to close the connection after answering. */
const cancelRequest = (target: string, closing = false): string =>
  `POST ${target} HTTP/1.1\r\nHost: sandbox\r\nContent-Type: text/xml;charset=utf-8\r\n` +
  `${closing ? "Connection: close\r\n" : ""}Content-Length: ${BODY_BYTES}\r\n\r\n${BODY}`;

describe("sandbox WMS on the wire", function () {
  // Each upload is a few MB over loopback; one that runs into this has hung.
  this.timeout(20_000);
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
    sandbox.wms.store.put(NEW_ORDER);
  });
  afterEach(() => sandbox.wms.close());

  describe("request targets (RFC 9112 §3.2)", () => {
    const targets: readonly { readonly name: string; readonly target: (sandbox: RunningSandbox) => string }[] = [
      { name: "absolute form", target: ({ qimenUrl }) => `${qimenUrl.href}?${SEARCH}` },
      { name: "absolute form naming another host", target: () => `http://wms.example.com:8080/qimen?${SEARCH}` },
      { name: "origin form (the harmless twin)", target: () => `/qimen?${SEARCH}` },
    ];
    for (const { name, target } of targets) {
      it(`cancels through a request line in ${name}`, async () => {
        const [answer, ...others] = answersIn(await exchange(port(sandbox), cancelRequest(target(sandbox), true)));
        expect({ status: answer?.status, reply: toReply(answer?.body ?? ""), others }).to.deep.equal({
          status: "HTTP/1.1 200 OK",
          reply: CANCELLED,
          others: [],
        });
      });
    }

    it("reads an absolute-form target of the provider-states endpoint too", async () => {
      const body = JSON.stringify({ state: "no order exists", params: { orderCode: NEW_ORDER.orderCode } });
      const answer = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = httpRequest(
          { host: "127.0.0.1", port: sandbox.stateChangeUrl.port, method: "POST", path: sandbox.stateChangeUrl.href },
          resolve,
        );
        outgoing.on("error", reject);
        outgoing.end(body);
      });
      answer.resume();
      expect(answer.statusCode).to.equal(200);
      expect(sandbox.wms.store.list()).to.deep.equal([]);
    });

    it("takes //qimen for a path, not for a host named qimen: 404", async () => {
      const [answer] = answersIn(await exchange(port(sandbox), cancelRequest(`//qimen?${SEARCH}`, true)));
      expect(answer?.status).to.equal("HTTP/1.1 404 Not Found");
      expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
    });
  });

  describe("bytes that are not HTTP after a call", () => {
    it("delivers the answer of a cancel followed by junk on the same connection, then refuses the junk", async () => {
      const stream = await exchange(port(sandbox), `${cancelRequest(`/qimen?${SEARCH}`)}\x00\x01junk\r\n\r\n`);
      const [answer, refusal, ...others] = answersIn(stream);
      expect({
        answer: answer?.status,
        reply: toReply(answer?.body ?? ""),
        refusal: refusal?.status,
        others,
      }).to.deep.equal({
        answer: "HTTP/1.1 200 OK",
        reply: CANCELLED,
        refusal: "HTTP/1.1 400 Bad Request",
        others: [],
      });
      expect(sandbox.wms.store.list()).to.deep.equal([{ ...NEW_ORDER, status: "CANCELED" }]);
    });

    it("refuses junk on a connection without a call in flight with 400 at once (the harmless twin)", async () => {
      expect(
        answersIn(await exchange(port(sandbox), "\x00\x01junk\r\n\r\n")).map(({ status }) => status),
      ).to.deep.equal(["HTTP/1.1 400 Bad Request"]);
    });

    it("answers headers over Node's limit with 431", async () => {
      const stream = await exchange(
        port(sandbox),
        `POST /qimen HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`,
      );
      expect(answersIn(stream).map(({ status }) => status)).to.deep.equal([
        "HTTP/1.1 431 Request Header Fields Too Large",
      ]);
    });
  });

  describe(`uploads over the body limit (discarded up to ${UPLOAD_DISCARD_BYTES / 1024 / 1024} MiB past it)`, () => {
    const UPLOAD = Buffer.alloc(5 * 1024 * 1024, "<");
    const TOO_LARGE: QimenReply = {
      flag: "failure",
      code: "xml-too-large",
      message: "request body is over the limit of 262144 bytes",
    };
    const ROUNDS = 3;

    /** The sockets the sandbox reads calls from, so a test can see how much of an upload it read. */
    function serverSockets(): Socket[] {
      const sockets: Socket[] = [];
      sandbox.wms.server.on("request", (incoming: IncomingMessage) => sockets.push(incoming.socket));
      return sockets;
    }

    async function viaNodeHttp(url: URL): Promise<{ status: number; text: string }> {
      const answer = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = httpRequest(url, { method: "POST", headers: { "content-type": "text/xml" } }, resolve);
        outgoing.on("error", reject);
        outgoing.end(UPLOAD);
      });
      const chunks: Buffer[] = [];
      for await (const chunk of answer) chunks.push(chunk as Buffer);
      return { status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") };
    }

    async function viaUndici(url: URL): Promise<{ status: number; text: string }> {
      const answer = await request(url, { method: "POST", headers: { "content-type": "text/xml" }, body: UPLOAD });
      return { status: answer.statusCode, text: await answer.body.text() };
    }

    for (const [client, send] of [
      ["node:http", viaNodeHttp],
      ["undici", viaUndici],
    ] as const) {
      it(`a 5 MB upload through ${client} gets the xml-too-large envelope, ${ROUNDS} times out of ${ROUNDS}, after being read whole`, async () => {
        const sockets = serverSockets();
        const url = new URL(`${sandbox.qimenUrl.href}?${toSearch(signedParams({ body: UPLOAD }))}`);
        for (let round = 0; round < ROUNDS; round += 1) {
          const { status, text } = await send(url);
          expect({ round, status, reply: toReply(text) }).to.deep.equal({ round, status: 200, reply: TOO_LARGE });
          expect(sockets[round]?.bytesRead).to.be.at.least(UPLOAD.length);
        }
      });
    }

    it("a 5 MB state change gets its 413 answer", async () => {
      const { status, text } = await viaNodeHttp(sandbox.stateChangeUrl);
      expect({ status, body: JSON.parse(text) as unknown }).to.deep.equal({
        status: 413,
        body: { error: "state change is over 65536 bytes" },
      });
    });

    it(`past ${UPLOAD_DISCARD_BYTES / 1024 / 1024} MiB the connection is cut, and the sandbox serves on`, async () => {
      const sockets = serverSockets();
      const { socket, closed } = rawSocket(port(sandbox));
      const declared = UPLOAD_DISCARD_BYTES * 2;
      socket.write(`POST /qimen?${SEARCH} HTTP/1.1\r\nHost: a\r\nContent-Length: ${declared}\r\n\r\n`);
      const chunk = Buffer.alloc(1024 * 1024, "<");
      let written = 0;
      while (written < declared && !socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
      }
      await closed;
      expect(written, "the whole declared upload went through").to.be.below(declared);
      // What the sandbox read: the limit, the discarded part, and what sat in buffers when it stopped.
      expect(sockets[0]?.bytesRead).to.be.within(UPLOAD_DISCARD_BYTES, UPLOAD_DISCARD_BYTES + 8 * 1024 * 1024);
      expect((await request(`${sandbox.qimenUrl.href}?${SEARCH}`, { method: "POST", body: BODY })).statusCode).to.equal(
        200,
      );
    });
  });
});
