import { expect } from "chai";
import { once } from "node:events";
import { connect } from "node:net";
import { PassThrough } from "node:stream";
import { request } from "undici";
import { encodeCancelRequest } from "../../src/protocol/request-codec.js";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { DEFAULT_XML_LIMITS } from "../../src/protocol/xml.js";
import { createSandboxWms, type SandboxWmsOptions } from "../../src/wms/sandbox.js";
import {
  CANCEL_NEW_ORDER,
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

const BODY = encodeCancelRequest(CANCEL_NEW_ORDER);

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

  describe("close()", () => {
    it("stops accepting at once, lets an in-flight call finish, then resolves", async () => {
      const sandbox = await startSandbox();
      sandbox.wms.store.put(NEW_ORDER);
      const upload = new PassThrough();
      const received = once(sandbox.wms.server, "request");
      const pending = request(`${sandbox.qimenUrl.href}?${toSearch(signedParams({ body: BODY }))}`, {
        method: "POST",
        headers: { "content-length": String(Buffer.byteLength(BODY)) },
        body: upload,
      });
      upload.write(BODY.slice(0, 20));
      await received;

      const closed = sandbox.wms.close();
      const refused = connect(Number(sandbox.qimenUrl.port), "127.0.0.1");
      const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
      expect(error.code).to.equal("ECONNREFUSED");

      upload.end(BODY.slice(20));
      const response = await pending;
      expect(response.headers["connection"]).to.equal("close");
      expect(await response.body.text()).to.include("<flag>success</flag>");
      await closed;
      expect(sandbox.wms.store.list()).to.deep.equal([{ ...NEW_ORDER, status: "CANCELED" }]);
    });

    it("does not wait for idle keep-alive connections", async function () {
      // A close that waited for the idle socket would take the server's 5 s keep-alive timeout.
      this.timeout(2000);
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
    const cases: readonly {
      name: string;
      options: SandboxWmsOptions;
      error: TypeErrorConstructor | RangeErrorConstructor;
      message: RegExp;
    }[] = [
      { name: "a relative path", options: { path: "qimen" }, error: TypeError, message: /path must start with "\/"/ },
      { name: "a path with a query", options: { path: "/qimen?x=1" }, error: TypeError, message: /no "\?"/ },
      {
        name: "the provider-states path",
        options: { path: "/pact/provider-states" },
        error: TypeError,
        message: /not be \/pact\/provider-states/,
      },
      {
        name: "no credentials",
        options: { credentials: {} },
        error: TypeError,
        message: /at least one non-empty app_key/,
      },
      { name: "an empty secret", options: { credentials: { k: "" } }, error: TypeError, message: /non-empty secret/ },
      {
        name: "a zero timestamp window",
        options: { timestampWindowMs: 0 },
        error: RangeError,
        message: /positive number of milliseconds/,
      },
      {
        name: "a NaN timestamp window",
        options: { timestampWindowMs: Number.NaN },
        error: RangeError,
        message: /positive/,
      },
      {
        name: "a fractional body limit",
        options: { xmlLimits: { ...DEFAULT_XML_LIMITS, maxBytes: 1.5 } },
        error: RangeError,
        message: /positive integers/,
      },
    ];
    for (const { name, options, error, message } of cases) {
      it(name, () => {
        expect(() => createSandboxWms(options)).to.throw(error, message);
      });
    }

    for (const port of [-1, 65536, 1.5]) {
      it(`listen() rejects port ${port} with a RangeError`, async () => {
        const wms = createSandboxWms();
        const outcome = await wms.listen({ port }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(outcome)
          .to.be.instanceOf(RangeError)
          .with.property("message")
          .that.matches(/port must be an integer from 0 to 65535/);
        expect(wms.server.listening).to.equal(false);
      });
    }
  });
});
