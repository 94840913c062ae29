import { expect } from "chai";
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { request } from "undici";
import { decodeResponse } from "../../src/protocol/response-codec.js";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { OptionError } from "../../src/protocol/errors.js";
import { DEFAULT_XML_LIMITS, MAX_XML_DEPTH } from "../../src/protocol/xml.js";
import { createSandboxWms, type SandboxWmsOptions } from "../../src/wms/sandbox.js";
import {
  CANCEL_NEW_ORDER_BODY as BODY,
  CANCELLED,
  cancelCall,
  ILLEGAL_REQUEST,
  NEW_ORDER,
  SECRET,
  signedParams,
  startSandbox,
  toSearch,
  type RunningSandbox,
} from "./harness.js";

interface RawConnection {
  readonly socket: Socket;
  /** Everything the sandbox sent on this connection, once it has closed. */
  readonly received: Promise<string>;
}

/** A plain TCP connection the sandbox has accepted, after `bytes` (if any) have left this side. */
async function rawConnection(sandbox: RunningSandbox, bytes = ""): Promise<RawConnection> {
  const accepted = once(sandbox.wms.server, "connection");
  const socket = connect(Number(sandbox.qimenUrl.port), "127.0.0.1");
  socket.on("error", () => undefined);
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (text += chunk));
  const received = new Promise<string>((resolve) => socket.once("close", () => resolve(text)));
  await accepted;
  if (bytes !== "") await new Promise<void>((resolve) => socket.write(bytes, () => resolve()));
  return { socket, received };
}

/** A signed cancel of NEW_ORDER whose body is sent only in part; resolves once the sandbox is handling it. */
async function slowUpload(sandbox: RunningSandbox): Promise<{ connection: RawConnection; rest: string }> {
  const handling = once(sandbox.wms.server, "request");
  const head =
    `POST ${sandbox.qimenUrl.pathname}?${toSearch(signedParams({ body: BODY }))} HTTP/1.1\r\n` +
    `Host: sandbox\r\nContent-Type: text/xml;charset=utf-8\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n`;
  const connection = await rawConnection(sandbox, head + BODY.slice(0, 20));
  await handling;
  return { connection, rest: BODY.slice(20) };
}

/** The parts of a raw HTTP/1.1 answer a client relies on; the body must be exactly Content-Length bytes. */
function readAnswer(text: string) {
  const [head = "", body = ""] = text.split("\r\n\r\n", 2);
  const [statusLine, ...lines] = head.split("\r\n");
  const headers = new Map(
    lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
  );
  expect(headers.get("content-length")).to.equal(String(Buffer.byteLength(body)));
  const { flag, code, message } = decodeResponse(body);
  return {
    statusLine,
    contentType: headers.get("content-type"),
    connection: headers.get("connection"),
    reply: { flag, code, message },
  };
}

describe("sandbox WMS: HTTP surface and lifecycle", () => {
  describe("routing", () => {
    let sandbox: RunningSandbox;
    beforeEach(async () => {
      sandbox = await startSandbox();
    });
    afterEach(() => sandbox.wms.close());

    const cases: readonly { method: string; path: string; status: number; allow?: string }[] = [
      { method: "POST", path: "/other", status: 404 },
      { method: "POST", path: "/qimen/", status: 404 },
      { method: "GET", path: "/qimen", status: 405, allow: "POST" },
      { method: "PUT", path: "/pact/provider-states", status: 405, allow: "GET, POST" },
    ];
    for (const { method, path, status, allow } of cases) {
      it(`${method} ${path} answers ${status}${allow === undefined ? "" : ` allowing ${allow}`}`, async () => {
        const response = await request(new URL(path, sandbox.qimenUrl), {
          method,
          body: method === "GET" ? null : "x",
        });
        await response.body.dump();
        expect({ status: response.statusCode, allow: response.headers["allow"] }).to.deep.equal({ status, allow });
      });
    }

    it("takes time only from the injected clock: a call stamped with the real time is stale to it", async () => {
      sandbox.wms.store.put(NEW_ORDER);
      const reply = await cancelCall(sandbox, { timestamp: formatBeijingTimestamp(new Date()) });
      expect(reply.code).to.equal("timestamp-out-of-window");
    });

    it("never logs the secret or a sign", async () => {
      sandbox.wms.store.put(NEW_ORDER);
      const signs = [signedParams({ body: BODY }), signedParams({ body: BODY, secret: "other" })].map(
        (params) => new URLSearchParams(params).get("sign") ?? "",
      );
      expect(await cancelCall(sandbox)).to.deep.equal(CANCELLED);
      expect(await cancelCall(sandbox, { secret: "other" })).to.deep.equal(ILLEGAL_REQUEST);
      expect(sandbox.logLines).to.have.length(2);
      for (const secret of [SECRET, ...signs]) expect(sandbox.logLines.join("\n")).not.to.include(secret);
    });
  });

  describe("close()", function () {
    // Far below the default drain deadline: a close that waited for a quiet connection fails here.
    this.timeout(5000);

    it("stops accepting at once, lets an in-flight upload finish, answers it in full with Connection: close", async () => {
      const sandbox = await startSandbox();
      sandbox.wms.store.put(NEW_ORDER);
      const upload = await slowUpload(sandbox);

      const closed = sandbox.wms.close();
      const refused = connect(Number(sandbox.qimenUrl.port), "127.0.0.1");
      const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
      expect(error.code).to.equal("ECONNREFUSED");

      upload.connection.socket.write(upload.rest);
      expect(readAnswer(await upload.connection.received)).to.deep.equal({
        statusLine: "HTTP/1.1 200 OK",
        contentType: "text/xml;charset=utf-8",
        connection: "close",
        reply: CANCELLED,
      });
      await closed;
      expect(sandbox.wms.store.list()).to.deep.equal([{ ...NEW_ORDER, status: "CANCELED" }]);
    });

    const quietConnections: readonly { name: string; bytes: string }[] = [
      { name: "a connection that never sent a byte", bytes: "" },
      {
        name: "a connection still sending its headers",
        bytes: "POST /qimen?method=order.cancel HTTP/1.1\r\nHost: a\r\n",
      },
    ];
    for (const { name, bytes } of quietConnections) {
      it(`closes ${name} at once, even while a call is in flight, and answers it nothing`, async () => {
        const sandbox = await startSandbox();
        const upload = await slowUpload(sandbox);
        const quiet = await rawConnection(sandbox, bytes);

        const closed = sandbox.wms.close();
        expect(await quiet.received).to.equal("");
        upload.connection.socket.write(upload.rest);
        await upload.connection.received;
        await closed;
      });
    }

    it("inFlightCalls() counts an upload still arriving, not a quiet connection, until it is answered", async () => {
      const sandbox = await startSandbox();
      const quiet = await rawConnection(sandbox);
      const handled = once(sandbox.wms.server, "request") as Promise<[IncomingMessage, ServerResponse]>;
      const upload = await slowUpload(sandbox);
      const [, response] = await handled;
      const whileArriving = sandbox.wms.inFlightCalls();
      upload.connection.socket.write(upload.rest);
      await once(response, "close");
      expect([whileArriving, sandbox.wms.inFlightCalls()]).to.deep.equal([1, 0]);
      await Promise.all([sandbox.wms.close(), quiet.received, upload.connection.received]);
    });

    it("cuts an upload still unfinished at the drain deadline; the call changes nothing", async () => {
      const sandbox = await startSandbox({ drainTimeoutMs: 50 });
      sandbox.wms.store.put(NEW_ORDER);
      const upload = await slowUpload(sandbox);

      expect(await Promise.all([sandbox.wms.close(), upload.connection.received])).to.deep.equal([undefined, ""]);
      await sandbox.waitForLogLines((line) => line.startsWith("call=qimen verdict=aborted"));
      expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
    });

    it("does not wait for idle keep-alive connections", async () => {
      const sandbox = await startSandbox();
      const response = await request(sandbox.stateChangeUrl);
      await response.body.dump();
      expect(response.headers["connection"]).to.equal("keep-alive");
      await sandbox.wms.close();
      expect(sandbox.wms.server.listening).to.equal(false);
    });

    it("is idempotent, and resolves for a sandbox that never listened", async () => {
      const sandbox = await startSandbox();
      const first = sandbox.wms.close();
      expect(sandbox.wms.close()).to.equal(first);
      await first;
      await createSandboxWms().close();
    });
  });

  describe("programmer mistakes are refused at construction", () => {
    const cases: readonly { name: string; options: SandboxWmsOptions; option: string; message: RegExp }[] = [
      {
        name: "a relative path",
        options: { path: "qimen" },
        option: "path",
        message: /path must be a URL path: "\/" first/,
      },
      { name: "a path with a query", options: { path: "/qimen?x=1" }, option: "path", message: /no "\?"/ },
      {
        name: "the provider-states path",
        options: { path: "/pact/provider-states" },
        option: "path",
        message: /not \/pact\/provider-states, got "\/pact\/provider-states"$/,
      },
      {
        name: "no credentials",
        options: { credentials: {} },
        option: "credentials",
        message: /at least one non-empty app_key/,
      },
      {
        name: "an empty secret, never quoted",
        options: { credentials: { k: "" } },
        option: "credentials",
        message: /non-empty secret, got an object$/,
      },
      { name: "an empty customerId", options: { customerId: "" }, option: "customerId", message: /non-empty string/ },
      {
        name: "a zero timestamp window",
        options: { timestampWindowMs: 0 },
        option: "timestampWindowMs",
        message: /^timestampWindowMs must be a positive number of milliseconds, got 0$/,
      },
      {
        name: "a NaN timestamp window",
        options: { timestampWindowMs: Number.NaN },
        option: "timestampWindowMs",
        message: /got NaN$/,
      },
      {
        name: "a negative drain deadline",
        options: { drainTimeoutMs: -1 },
        option: "drainTimeoutMs",
        message: /drainTimeoutMs must be a positive number of milliseconds/,
      },
      {
        // Node fires a longer timer at once: close() would cut every in-flight call.
        name: "a drain deadline longer than Node's longest timer",
        options: { drainTimeoutMs: 2 ** 31 },
        option: "drainTimeoutMs",
        message: /at most 2147483647, got 2147483648$/,
      },
      {
        name: "a fractional body limit",
        options: { xmlLimits: { ...DEFAULT_XML_LIMITS, maxBytes: 1.5 } },
        option: "xmlLimits.maxBytes",
        message: /^xmlLimits\.maxBytes must be a positive integer, got 1\.5$/,
      },
      {
        // The decoder cannot go that deep: it used to start and answer every call internal-error.
        name: "a depth limit the decoder does not support",
        options: { xmlLimits: { maxDepth: 5000 } },
        option: "xmlLimits.maxDepth",
        message: /^xmlLimits\.maxDepth must be an integer from 1 to 1000, got 5000$/,
      },
    ];
    for (const { name, options, option, message } of cases) {
      it(name, () => {
        let thrown: unknown;
        try {
          createSandboxWms(options);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).to.be.instanceOf(OptionError).and.instanceOf(RangeError);
        expect({ code: (thrown as OptionError).code, option: (thrown as OptionError).option }).to.deep.equal({
          code: "QIMEN_OPTION_INVALID",
          option,
        });
        expect((thrown as OptionError).message).to.match(message);
      });
    }

    it("takes the deepest supported depth limit alone, keeping the default size limit (the harmless twin)", async () => {
      const sandbox = await startSandbox({ xmlLimits: { maxDepth: MAX_XML_DEPTH } });
      try {
        sandbox.wms.store.put(NEW_ORDER);
        expect(await cancelCall(sandbox)).to.deep.equal(CANCELLED);
        const tooBig = `<request>${"x".repeat(DEFAULT_XML_LIMITS.maxBytes)}</request>`;
        expect((await cancelCall(sandbox, { body: tooBig })).code).to.equal("xml-too-large");
      } finally {
        await sandbox.wms.close();
      }
    });

    for (const port of [-1, 65536, 1.5]) {
      it(`listen() rejects port ${port} with an OptionError`, async () => {
        const wms = createSandboxWms();
        const outcome = await wms.listen({ port }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(outcome)
          .to.be.instanceOf(OptionError)
          .with.property("message")
          .that.matches(/port must be an integer from 0 to 65535/);
        expect(wms.server.listening).to.equal(false);
      });
    }
  });
});
