import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { gzipBomb } from "../support/gzip-bomb.js";
import { Agent } from "undici";
import {
  createQimenClient,
  decodeCancelRequest,
  QimenDeliveryError,
  QimenError,
  SIGN_METHODS,
  verifySign,
  type CancelResult,
  type DeliveryOutcome,
  type IspHttpCode,
  type OrderCancelRequest,
  type QimenClient,
  type QimenClientOptions,
} from "../../src/index.js";
import { ISP_HTTP_OUTCOMES } from "../../src/protocol/model.js";
import { informationalTolerantConnector } from "../../src/client/informational-answers.js";
import {
  answer,
  deadEndpoint,
  dropConnection,
  inTurn,
  neverAnswer,
  QIMEN_PATH,
  qimenResponse,
  stallMidBody,
  startLoopbackServer,
  trickle,
  type LoopbackServer,
  type ReceivedRequest,
  type Responder,
} from "../support/loopback-server.js";
import {
  httpAnswer,
  SSH_BANNER,
  startRawServer,
  startScriptedHttpServer,
  startUntrustedTlsServer,
  untrustedCertificate,
  type OddServer,
} from "../support/odd-servers.js";

// A fresh random secret per run: if it shows up anywhere it must not, the test that looks finds it.
const SECRET = `canary-${randomBytes(12).toString("hex")}`;
const APP_KEY = "erp-app-key";
const CUSTOMER_ID = "wms-customer-7";
const REQUEST: OrderCancelRequest = {
  warehouseCode: "WH01",
  ownerCode: "OWNER1",
  orderCode: "SO20240501001",
  orderType: "JYCK",
  cancelReason: "客户取消订单 & 已退款",
};
// 2024-05-01 12:00:00 in Beijing, then one second later per call.
const START = Date.UTC(2024, 4, 1, 4, 0, 0);
const beijingSecond = (n: number): string => `2024-05-01 12:00:0${n}`;

function steppingClock(): () => Date {
  let calls = 0;
  return () => new Date(START + 1000 * calls++);
}

const SUCCESS = qimenResponse("success", "0", "ok");

const gatewayAnswer = (isp: string): string => qimenResponse("failure", "TOP15", `Remote service error | ${isp}`);

describe("Qimen ERP client", () => {
  const servers: LoopbackServer[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function serve(responder: Responder): Promise<LoopbackServer> {
    const server = await startLoopbackServer(responder);
    servers.push(server);
    return server;
  }

  async function serveOddly(start: () => Promise<OddServer>): Promise<string> {
    const server = await start();
    closers.push(() => server.close());
    return server.endpoint;
  }

  function clientFor(endpoint: string, overrides: Partial<QimenClientOptions> = {}): QimenClient {
    const client = createQimenClient({
      endpoint,
      appKey: APP_KEY,
      secret: SECRET,
      customerId: CUSTOMER_ID,
      clock: steppingClock(),
      ...overrides,
    });
    closers.push(() => client.close());
    return client;
  }

  async function cancelAgainst(responder: Responder, overrides: Partial<QimenClientOptions> = {}) {
    const server = await serve(responder);
    const outcome = clientFor(server.endpoint, overrides).cancelOrder(REQUEST);
    return { server, outcome };
  }

  async function rejectionOf(outcome: Promise<CancelResult>): Promise<QimenDeliveryError> {
    try {
      await outcome;
    } catch (error) {
      expect(error).to.be.instanceOf(QimenDeliveryError);
      return error as QimenDeliveryError;
    }
    return expect.fail("expected the cancel to reject");
  }

  function signOf(received: ReceivedRequest): string {
    return received.query.find(([key]) => key === "sign")?.[1] ?? "";
  }

  function outline(error: QimenDeliveryError) {
    return {
      name: error.name,
      code: error.code,
      ispCode: error.ispCode,
      delivery: error.delivery,
      context: error.context,
    };
  }

  describe("the request it sends", () => {
    it("POSTs text/xml;charset=utf-8 to the endpoint's path with every system parameter, none empty", async () => {
      const { server, outcome } = await cancelAgainst(answer(SUCCESS));
      await outcome;
      const [received] = server.received;
      expect({
        ...received,
        body: undefined,
        query: received?.query.map(([key, value]) => [key, key === "sign" ? "<sign>" : value]),
      }).to.deep.equal({
        method: "POST",
        path: QIMEN_PATH,
        contentType: "text/xml;charset=utf-8",
        acceptEncoding: "gzip",
        body: undefined,
        query: [
          ["method", "taobao.qimen.order.cancel"],
          ["timestamp", beijingSecond(0)],
          ["format", "xml"],
          ["app_key", APP_KEY],
          ["v", "2.0"],
          ["sign_method", "md5"],
          ["customerId", CUSTOMER_ID],
          ["sign", "<sign>"],
        ],
      });
    });

    it("sends the request as its XML body, Chinese text and entities intact", async () => {
      const { server, outcome } = await cancelAgainst(answer(SUCCESS));
      await outcome;
      expect(decodeCancelRequest(server.received[0]?.body ?? "")).to.deep.equal({ request: REQUEST, warnings: [] });
    });

    for (const signMethod of SIGN_METHODS) {
      it(`signs the exact bytes received with ${signMethod}`, async () => {
        const { server, outcome } = await cancelAgainst(answer(SUCCESS), { signMethod });
        await outcome;
        const received = server.received[0] as ReceivedRequest;
        const signed = { params: received.query, body: received.body, secret: SECRET, signMethod };
        expect(received.query).to.deep.include(["sign_method", signMethod]);
        expect(verifySign(signed, signOf(received))).to.equal(true);
      });
    }

    it("calls the method order.cancel when methodName is short", async () => {
      const { server, outcome } = await cancelAgainst(answer(SUCCESS), { methodName: "short" });
      await outcome;
      expect(server.received[0]?.query[0]).to.deep.equal(["method", "order.cancel"]);
    });

    it("rejects a request no WMS could accept with a TypeError, sending nothing", async () => {
      const server = await serve(answer(SUCCESS));
      const outcome = clientFor(server.endpoint).cancelOrder({ warehouseCode: "WH01", orderCode: " " });
      const thrown: unknown = await outcome.catch((error: unknown) => error);
      expect(thrown)
        .to.be.instanceOf(TypeError)
        .with.property("message")
        .that.matches(/non-empty orderCode/);
      expect(server.received).to.have.length(0);
    });
  });

  describe("answers from the WMS", () => {
    const answers: { name: string; body: string; contentType?: string; expected: CancelResult }[] = [
      {
        name: "success with code 0",
        body: SUCCESS,
        expected: { ok: true, response: { flag: "success", code: "0", message: "ok", source: "wms" } },
      },
      {
        name: "success with only a flag",
        body: "<response><flag>success</flag></response>",
        expected: { ok: true, response: { flag: "success", source: "wms" } },
      },
      {
        name: "success with code 0000",
        body: qimenResponse("success", "0000", "成功"),
        expected: { ok: true, response: { flag: "success", code: "0000", message: "成功", source: "wms" } },
      },
      {
        name: "success with the literal code null, pretty-printed and standalone",
        body: '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<response>\n  <flag>success</flag>\n  <code>null</code>\n  <message>null</message>\n</response>\n',
        expected: { ok: true, response: { flag: "success", source: "wms" } },
      },
      {
        name: "a business failure with the WMS's code and message",
        body: qimenResponse("failure", "-1", "订单已发货，不能取消"),
        expected: {
          ok: false,
          code: "-1",
          message: "订单已发货，不能取消",
          response: { flag: "failure", code: "-1", message: "订单已发货，不能取消", source: "wms" },
        },
      },
      {
        name: "a business failure with only a flag",
        body: "<response><flag>failure</flag></response>",
        expected: { ok: false, response: { flag: "failure", source: "wms" } },
      },
      // docs/protocol.md: real WMSs answer with odd Content-Types; only the body decides.
      ...["plain/text", "text/plain;charset=utf-8", "application/octet-stream"].map((contentType) => ({
        name: `success labelled ${contentType}`,
        body: SUCCESS,
        contentType,
        expected: { ok: true, response: { flag: "success", code: "0", message: "ok", source: "wms" } } as const,
      })),
    ];
    for (const { name, body, contentType, expected } of answers) {
      it(`resolves ${name}`, async () => {
        const { outcome } = await cancelAgainst(answer(body, 200, contentType));
        expect(await outcome).to.deep.equal(expected);
      });
    }
  });

  describe("gzip answers, which the official SDK asks for and inflates", () => {
    const gzipped =
      (body: Buffer): Responder =>
      (_received, response) => {
        response.writeHead(200, { "content-type": "text/xml;charset=utf-8", "content-encoding": "gzip" });
        response.end(body);
      };

    it("asks for gzip, as the SDK does, and reads a gzip answer", async () => {
      const server = await serve(gzipped(gzipSync(SUCCESS)));
      const result = await clientFor(server.endpoint).cancelOrder(REQUEST);
      expect({ asked: server.received[0]?.acceptEncoding, result }).to.deep.equal({
        asked: "gzip",
        result: { ok: true, response: { flag: "success", code: "0", message: "ok", source: "wms" } },
      });
    });

    it("refuses a gzip bomb without inflating it past the size limit", async () => {
      const server = await serve(gzipped(await gzipBomb()));
      const refusal = await clientFor(server.endpoint)
        .cancelOrder(REQUEST)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refusal)
        .to.be.instanceOf(QimenDeliveryError)
        .and.to.deep.include({ code: "QIMEN_RESPONSE_UNRECOGNISED", delivery: "unknown" });
      expect((refusal as Error).message).to.match(/the answer is larger than 262144 bytes/);
    });
  });

  describe("answers that are no answer from the WMS", () => {
    const gatewayCases: {
      name: string;
      body: string;
      ispCode: IspHttpCode | undefined;
      delivery: DeliveryOutcome;
      context: Record<string, unknown>;
    }[] = [
      ...Object.entries(ISP_HTTP_OUTCOMES).map(([isp, delivery]) => ({
        name: `TOP15 ${isp}`,
        body: gatewayAnswer(isp),
        ispCode: isp as IspHttpCode,
        delivery,
        context: { source: "gateway", gatewayCode: "TOP15", gatewayMessage: `Remote service error | ${isp}` },
      })),
      {
        name: "TOP15 without an isp code",
        body: qimenResponse("failure", "TOP15", "Remote service error"),
        ispCode: undefined,
        delivery: "unknown",
        context: { source: "gateway", gatewayCode: "TOP15", gatewayMessage: "Remote service error" },
      },
      {
        name: "TOP60, the gateway rejecting the call",
        body: qimenResponse("failure", "TOP60", "Invalid signature"),
        ispCode: undefined,
        delivery: "not-reached",
        context: { source: "gateway", gatewayCode: "TOP60", gatewayMessage: "Invalid signature" },
      },
      {
        name: "TOP's <error_response> with an isp sub code",
        body: "<error_response><code>15</code><msg>Remote service error</msg><sub_code>isp.http-closed</sub_code><sub_msg>连接被关闭</sub_msg></error_response>",
        ispCode: "isp.http-closed",
        delivery: "unknown",
        context: {
          source: "top-error-response",
          gatewayCode: "15",
          subCode: "isp.http-closed",
          gatewayMessage: "Remote service error: 连接被关闭",
        },
      },
      {
        name: "TOP's <error_response> without a sub code",
        body: "<error_response><code>7</code><msg>App Call Limited</msg></error_response>",
        ispCode: undefined,
        delivery: "unknown",
        context: { source: "top-error-response", gatewayCode: "7", gatewayMessage: "App Call Limited" },
      },
    ];
    for (const { name, body, ispCode, delivery, context } of gatewayCases) {
      it(`rejects the gateway's ${name} as QIMEN_GATEWAY_ERROR, ${ispCode ?? "no isp code"}, ${delivery}`, async () => {
        const { server, outcome } = await cancelAgainst(answer(body));
        expect(outline(await rejectionOf(outcome))).to.deep.equal({
          name: "QimenDeliveryError",
          code: "QIMEN_GATEWAY_ERROR",
          ispCode,
          delivery,
          context: { endpoint: server.endpoint, attempt: 1, ...context },
        });
      });
    }

    it("rejects a status other than 200 as QIMEN_HTTP_STATUS with an excerpt of the body", async () => {
      const { server, outcome } = await cancelAgainst(answer("Bad Gateway", 502, "text/plain"));
      expect(outline(await rejectionOf(outcome))).to.deep.equal({
        name: "QimenDeliveryError",
        code: "QIMEN_HTTP_STATUS",
        ispCode: undefined,
        delivery: "unknown",
        context: { endpoint: server.endpoint, attempt: 1, status: 502, bodyExcerpt: "Bad Gateway" },
      });
    });

    const garbage: { name: string; body: string }[] = [
      { name: "an HTML page", body: "<html><body>Welcome to nginx!</body></html>" },
      { name: "plain text", body: "OK" },
      { name: "an invalid flag", body: "<response><flag>SUCCESS</flag></response>" },
      { name: "a DOCTYPE", body: '<!DOCTYPE r [<!ENTITY x "y">]><response><flag>success</flag></response>' },
    ];
    for (const { name, body } of garbage) {
      it(`rejects ${name} as QIMEN_RESPONSE_UNRECOGNISED, delivery unknown, the decoder's error as cause`, async () => {
        const { server, outcome } = await cancelAgainst(answer(body));
        const error = await rejectionOf(outcome);
        expect(outline(error)).to.deep.equal({
          name: "QimenDeliveryError",
          code: "QIMEN_RESPONSE_UNRECOGNISED",
          ispCode: undefined,
          delivery: "unknown",
          context: { endpoint: server.endpoint, attempt: 1, bodyExcerpt: body.slice(0, 200) },
        });
        expect(error.cause).to.be.instanceOf(QimenError);
        expect(error.message).to.include((error.cause as QimenError).message);
      });
    }

    it("stops reading an answer larger than the XML limit and rejects it as QIMEN_RESPONSE_UNRECOGNISED", async () => {
      const { server, outcome } = await cancelAgainst(answer(`<response>${" ".repeat(300 * 1024)}</response>`));
      expect(outline(await rejectionOf(outcome))).to.deep.equal({
        name: "QimenDeliveryError",
        code: "QIMEN_RESPONSE_UNRECOGNISED",
        ispCode: undefined,
        delivery: "unknown",
        context: { endpoint: server.endpoint, attempt: 1, status: 200, maxBytes: 256 * 1024 },
      });
    });
  });

  /** Each transport failure, provoked for real on loopback (or, for connect timeouts, in the connector). */
  const transportCases: {
    name: string;
    code: string;
    ispCode: IspHttpCode;
    /** The error's context besides endpoint and attempt. */
    context: Readonly<Record<string, unknown>>;
    start: () => Promise<{ endpoint: string; overrides?: Partial<QimenClientOptions> }>;
  }[] = [
    {
      name: "a refused connection",
      code: "QIMEN_CONNECTION_REFUSED",
      ispCode: "isp.http-connection-refuse",
      context: { errno: "ECONNREFUSED" },
      start: async () => ({ endpoint: await deadEndpoint() }),
    },
    {
      name: "a connect timeout",
      code: "QIMEN_CONNECT_TIMEOUT",
      ispCode: "isp.http-connection-timeout",
      context: { errno: "UND_ERR_CONNECT_TIMEOUT" },
      // Only loopback traffic is allowed, so the connection hangs in a name lookup that never
      // answers, inside undici's real connector and its real connect timeout.
      start: () => {
        const dispatcher = new Agent({ connect: { timeout: 50, lookup: () => {} } });
        return Promise.resolve({ endpoint: `http://wms.invalid${QIMEN_PATH}`, overrides: { dispatcher } });
      },
    },
    {
      name: "a read timeout",
      code: "QIMEN_READ_TIMEOUT",
      ispCode: "isp.http-read-timeout",
      context: { readTimeoutMs: 50 },
      start: async () => ({ endpoint: (await serve(neverAnswer)).endpoint, overrides: { readTimeoutMs: 50 } }),
    },
    {
      name: "a closed connection",
      code: "QIMEN_CONNECTION_CLOSED",
      ispCode: "isp.http-closed",
      context: { errno: "UND_ERR_SOCKET" },
      start: async () => ({ endpoint: (await serve(dropConnection)).endpoint }),
    },
    {
      name: "a body that stalls half-way",
      code: "QIMEN_READ_TIMEOUT",
      ispCode: "isp.http-read-timeout",
      context: { readTimeoutMs: 50 },
      start: async () => ({ endpoint: (await serve(stallMidBody)).endpoint, overrides: { readTimeoutMs: 50 } }),
    },
    {
      name: "an answer that trickles in past the read timeout, however short each gap",
      code: "QIMEN_READ_TIMEOUT",
      ispCode: "isp.http-read-timeout",
      context: { readTimeoutMs: 300 },
      // One byte per 20 ms: the whole answer takes seconds, every gap far less than the timeout.
      start: async () => ({ endpoint: (await serve(trickle(SUCCESS, 1))).endpoint, overrides: { readTimeoutMs: 300 } }),
    },
    {
      name: "an answer that is not HTTP (an SSH daemon on the port)",
      code: "QIMEN_CONNECTION_CLOSED",
      ispCode: "isp.http-closed",
      context: { errno: "HTTPParserError" },
      start: async () => ({ endpoint: await serveOddly(() => startRawServer(SSH_BANNER)) }),
    },
    {
      name: "a TLS handshake with a certificate nobody trusts",
      code: "QIMEN_CONNECTION_REFUSED",
      ispCode: "isp.http-connection-refuse",
      context: { errno: "DEPTH_ZERO_SELF_SIGNED_CERT" },
      start: async () => {
        const credentials = await untrustedCertificate();
        return { endpoint: await serveOddly(() => startUntrustedTlsServer(credentials)) };
      },
    },
    {
      name: "a TLS handshake with a plain-HTTP server",
      code: "QIMEN_CONNECTION_REFUSED",
      ispCode: "isp.http-connection-refuse",
      context: { errno: "ERR_SSL_WRONG_VERSION_NUMBER" },
      start: async () => ({ endpoint: (await serve(neverAnswer)).endpoint.replace(/^http:/, "https:") }),
    },
  ];

  async function transportFailure(start: (typeof transportCases)[number]["start"]) {
    const { endpoint, overrides = {} } = await start();
    const dispatcher = overrides.dispatcher;
    if (dispatcher !== undefined) closers.push(() => dispatcher.close());
    return { endpoint, error: await rejectionOf(clientFor(endpoint, overrides).cancelOrder(REQUEST)) };
  }

  describe("transport failures", () => {
    for (const { name, code, ispCode, context, start } of transportCases) {
      it(`rejects ${name} as ${code}, ${ispCode}, ${ISP_HTTP_OUTCOMES[ispCode]}`, async () => {
        const { endpoint, error } = await transportFailure(start);
        expect(outline(error)).to.deep.equal({
          name: "QimenDeliveryError",
          code,
          ispCode,
          delivery: ISP_HTTP_OUTCOMES[ispCode],
          context: { endpoint, attempt: 1, ...context },
        });
      });
    }

    it("takes an answer that trickles in within the read timeout", async () => {
      const { outcome } = await cancelAgainst(trickle(SUCCESS, 8), { readTimeoutMs: 10_000 });
      expect(await outcome).to.deep.equal({
        ok: true,
        response: { flag: "success", code: "0", message: "ok", source: "wms" },
      });
    });
  });

  describe("informational (1xx) answers before the final one", () => {
    const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
    const EXPECTED: CancelResult = { ok: true, response: { flag: "success", code: "0", message: "ok", source: "wms" } };
    const READ: { readonly name: string; readonly parts: readonly string[]; readonly then?: "hang-up" }[] = [
      { name: "after an unsolicited 100 Continue", parts: [CONTINUE, httpAnswer(SUCCESS)] },
      { name: "with nothing before it (the twin)", parts: [httpAnswer(SUCCESS)] },
      {
        name: "after a 100 Continue, with Connection: close",
        parts: [CONTINUE, httpAnswer(SUCCESS, ["Content-Type: text/xml;charset=utf-8", "Connection: close"])],
        then: "hang-up",
      },
      { name: "after a 100 Continue in the same write", parts: [CONTINUE + httpAnswer(SUCCESS)] },
      {
        name: "after a 100 Continue split across writes",
        parts: ["HTTP/1.1 1", "00 Contin", "ue\r\n\r", "\n", httpAnswer(SUCCESS)],
      },
      {
        name: "after 102 Processing, 103 Early Hints with a header and 100 Continue",
        parts: [
          "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n",
          CONTINUE,
          httpAnswer(SUCCESS),
        ],
      },
    ];
    for (const { name, parts, then } of READ) {
      // Twice: a kept-alive connection must skip the 1xx before its second answer too.
      it(`reads the answer ${name}, twice in a row`, async () => {
        const client = clientFor(await serveOddly(() => startScriptedHttpServer(parts, then)));
        expect([await client.cancelOrder(REQUEST), await client.cancelOrder(REQUEST)]).to.deep.equal([
          EXPECTED,
          EXPECTED,
        ]);
      });
    }

    it("reads the answer after an unsolicited 100 Continue over TLS too, twice in a row", async () => {
      const credentials = await untrustedCertificate();
      const endpoint = await serveOddly(() =>
        startScriptedHttpServer([CONTINUE, httpAnswer(SUCCESS)], "keep-alive", credentials),
      );
      // The connector wraps the TLS socket as it wraps a plain one; this certificate names localhost.
      const dispatcher = new Agent({
        connect: informationalTolerantConnector({ ca: credentials.cert, checkServerIdentity: () => undefined }),
      });
      try {
        const client = clientFor(endpoint, { dispatcher });
        expect([await client.cancelOrder(REQUEST), await client.cancelOrder(REQUEST)]).to.deep.equal([
          EXPECTED,
          EXPECTED,
        ]);
      } finally {
        await dispatcher.close();
      }
    });

    const BROKEN: {
      readonly name: string;
      readonly parts: readonly string[];
      readonly then?: "hang-up";
      readonly errno: string;
    }[] = [
      {
        name: "a 100 Continue followed by text that is no HTTP",
        parts: [CONTINUE, SSH_BANNER],
        errno: "HTTPParserError",
      },
      {
        name: "a 100 Continue and then a closed connection",
        parts: [CONTINUE],
        then: "hang-up",
        errno: "UND_ERR_SOCKET",
      },
    ];
    for (const { name, parts, then, errno } of BROKEN) {
      it(`rejects ${name} as QIMEN_CONNECTION_CLOSED (${errno})`, async () => {
        const endpoint = await serveOddly(() => startScriptedHttpServer(parts, then));
        expect(outline(await rejectionOf(clientFor(endpoint).cancelOrder(REQUEST)))).to.deep.equal({
          name: "QimenDeliveryError",
          code: "QIMEN_CONNECTION_CLOSED",
          ispCode: "isp.http-closed",
          delivery: "unknown",
          context: { endpoint, attempt: 1, errno },
        });
      });
    }
  });

  describe("secrets", () => {
    function expectNoSecretIn(error: QimenDeliveryError, sign?: string): void {
      const renderings = [String(error), inspect(error, { depth: Infinity }), JSON.stringify(error.context)];
      for (const text of renderings) {
        expect(text).not.to.include(SECRET);
        if (sign !== undefined) expect(text).not.to.include(sign);
      }
    }

    for (const { name, start } of transportCases) {
      it(`keeps the secret out of the error for ${name}, cause chain included`, async () => {
        expectNoSecretIn((await transportFailure(start)).error);
      });
    }

    it("keeps the secret and the sign out of a gateway error", async () => {
      const { server, outcome } = await cancelAgainst(answer(gatewayAnswer("isp.http-read-timeout")));
      const error = await rejectionOf(outcome);
      expectNoSecretIn(error, signOf(server.received[0] as ReceivedRequest));
    });
  });

  describe("retry", () => {
    const noBackoff = { retry: { attempts: 3, backoffMs: 0 } };

    it("is off by default: one attempt, then the error", async () => {
      const { server, outcome } = await cancelAgainst(answer(gatewayAnswer("isp.http-connection-refuse")));
      expect((await rejectionOf(outcome)).ispCode).to.equal("isp.http-connection-refuse");
      expect(server.received).to.have.length(1);
    });

    const retried: { name: string; first: Responder; overrides?: Partial<QimenClientOptions> }[] = [
      { name: "the gateway's isp.http-connection-refuse", first: answer(gatewayAnswer("isp.http-connection-refuse")) },
      {
        name: "the gateway's isp.http-connection-timeout",
        first: answer(gatewayAnswer("isp.http-connection-timeout")),
      },
      { name: "the gateway's isp.http-read-timeout", first: answer(gatewayAnswer("isp.http-read-timeout")) },
      { name: "our own read timeout", first: neverAnswer, overrides: { readTimeoutMs: 50 } },
    ];
    for (const { name, first, overrides } of retried) {
      it(`repeats the cancel after ${name}, freshly timestamped and re-signed`, async () => {
        const { server, outcome } = await cancelAgainst(inTurn(first, answer(SUCCESS)), { ...noBackoff, ...overrides });
        expect(await outcome).to.deep.include({ ok: true });
        const attempts = server.received.map((received) => ({
          timestamp: received.query.find(([key]) => key === "timestamp")?.[1],
          verified: verifySign({ params: received.query, body: received.body, secret: SECRET }, signOf(received)),
        }));
        expect(attempts).to.deep.equal([
          { timestamp: beijingSecond(0), verified: true },
          { timestamp: beijingSecond(1), verified: true },
        ]);
      });
    }

    const notRetried: { name: string; first: Responder }[] = [
      { name: "a business failure", first: answer(qimenResponse("failure", "-1", "已发货")) },
      { name: "the gateway's isp.http-closed (outcome unknown)", first: answer(gatewayAnswer("isp.http-closed")) },
      { name: "TOP60 (would fail again)", first: answer(qimenResponse("failure", "TOP60", "Invalid signature")) },
      { name: "HTTP 500", first: answer("oops", 500, "text/plain") },
      { name: "a garbage body", first: answer("<html/>") },
      { name: "a dropped connection (outcome unknown)", first: dropConnection },
    ];
    for (const { name, first } of notRetried) {
      it(`never repeats the cancel after ${name}`, async () => {
        const { server, outcome } = await cancelAgainst(inTurn(first, answer(SUCCESS)), noBackoff);
        await outcome.catch(() => undefined);
        expect(server.received).to.have.length(1);
      });
    }

    it("gives up after the configured attempts with the last error", async () => {
      const { server, outcome } = await cancelAgainst(answer(gatewayAnswer("isp.http-connection-timeout")), noBackoff);
      expect((await rejectionOf(outcome)).context).to.deep.include({ attempt: 3 });
      expect(server.received).to.have.length(3);
    });

    it("retries a refused connection too", async () => {
      const error = await rejectionOf(clientFor(await deadEndpoint(), noBackoff).cancelOrder(REQUEST));
      expect({ code: error.code, attempt: error.context["attempt"] }).to.deep.equal({
        code: "QIMEN_CONNECTION_REFUSED",
        attempt: 3,
      });
    });

    it("logs each answer and each retry, without the secret", async () => {
      const logs: unknown[] = [];
      const logger = {
        info: (message: string, details: unknown) => logs.push(["info", message, details]),
        warn: (message: string, details: unknown) => logs.push(["warn", message, details]),
      };
      const refused = answer(gatewayAnswer("isp.http-connection-refuse"));
      const { server, outcome } = await cancelAgainst(inTurn(refused, answer(SUCCESS)), { ...noBackoff, logger });
      await outcome;
      const { endpoint } = server;
      expect(logs).to.deep.equal([
        ["info", "order.cancel answered", { endpoint, attempt: 1, timestamp: beijingSecond(0), status: 200 }],
        [
          "warn",
          "order.cancel failed, retrying",
          { attempt: 1, code: "QIMEN_GATEWAY_ERROR", ispCode: "isp.http-connection-refuse", delivery: "not-reached" },
        ],
        ["info", "order.cancel answered", { endpoint, attempt: 2, timestamp: beijingSecond(1), status: 200 }],
      ]);
      expect(JSON.stringify(logs)).not.to.include(SECRET);
    });
  });

  describe("transport failure messages", () => {
    it("says a failed TLS handshake never opened the connection", async () => {
      const credentials = await untrustedCertificate();
      const endpoint = await serveOddly(() => startUntrustedTlsServer(credentials));
      const error = await rejectionOf(clientFor(endpoint).cancelOrder(REQUEST));
      expect(error.message).to.equal(
        `order.cancel to ${endpoint} failed: could not open a connection: the TLS handshake failed ` +
          "(DEPTH_ZERO_SELF_SIGNED_CERT); isp.http-connection-refuse: the cancel did not reach the WMS; sending it again is safe",
      );
    });
  });

  describe("abort", () => {
    it("rejects an already aborted call as QIMEN_ABORTED, not-reached, sending nothing", async () => {
      const server = await serve(answer(SUCCESS));
      const error = await rejectionOf(clientFor(server.endpoint).cancelOrder(REQUEST, { signal: AbortSignal.abort() }));
      expect({ ...outline(error), sent: server.received.length }).to.deep.equal({
        name: "QimenDeliveryError",
        code: "QIMEN_ABORTED",
        ispCode: undefined,
        delivery: "not-reached",
        context: { endpoint: server.endpoint, attempt: 1 },
        sent: 0,
      });
    });

    it("rejects a call aborted while the WMS holds the request as QIMEN_ABORTED, unknown", async () => {
      const controller = new AbortController();
      const server = await serve(() => controller.abort());
      const error = await rejectionOf(clientFor(server.endpoint).cancelOrder(REQUEST, { signal: controller.signal }));
      expect({ ...outline(error), sent: server.received.length }).to.deep.equal({
        name: "QimenDeliveryError",
        code: "QIMEN_ABORTED",
        ispCode: undefined,
        delivery: "unknown",
        context: { endpoint: server.endpoint, attempt: 1 },
        sent: 1,
      });
    });

    // A backoff of a minute: only an abort that cuts the wait short ends these tests in time.
    const duringBackoff: { name: string; first: string; delivery: DeliveryOutcome }[] = [
      { name: "isp.http-read-timeout", first: gatewayAnswer("isp.http-read-timeout"), delivery: "maybe-applied" },
      {
        name: "isp.http-connection-refuse",
        first: gatewayAnswer("isp.http-connection-refuse"),
        delivery: "not-reached",
      },
    ];
    for (const { name, first, delivery } of duringBackoff) {
      it(`stops waiting to retry after ${name} at once, keeping that attempt's outcome (${delivery})`, async () => {
        const controller = new AbortController();
        const logger = { info: () => undefined, warn: () => controller.abort() };
        const server = await serve(answer(first));
        const client = clientFor(server.endpoint, { retry: { attempts: 3, backoffMs: 60_000 }, logger });
        const error = await rejectionOf(client.cancelOrder(REQUEST, { signal: controller.signal }));
        expect({ ...outline(error), sent: server.received.length }).to.deep.equal({
          name: "QimenDeliveryError",
          code: "QIMEN_ABORTED",
          ispCode: undefined,
          delivery,
          context: { endpoint: server.endpoint, attempt: 2 },
          sent: 1,
        });
      });
    }

    it("refuses a signal that is no AbortSignal with a TypeError", async () => {
      const server = await serve(answer(SUCCESS));
      const outcome = clientFor(server.endpoint).cancelOrder(REQUEST, { signal: {} as AbortSignal });
      expect(await outcome.catch((error: unknown) => error))
        .to.be.instanceOf(TypeError)
        .with.property("message", "signal must be an AbortSignal, e.g. from an AbortController");
    });
  });

  describe("options", () => {
    const valid: QimenClientOptions = {
      endpoint: "http://127.0.0.1:1/router/qimen/service",
      appKey: APP_KEY,
      secret: SECRET,
      customerId: CUSTOMER_ID,
    };
    const invalid: { name: string; options: Partial<Record<keyof QimenClientOptions, unknown>>; error: RegExp }[] = [
      { name: "a relative endpoint", options: { endpoint: "/router/qimen/service" }, error: /absolute http\(s\) URL/ },
      { name: "an ftp endpoint", options: { endpoint: "ftp://host/x" }, error: /must use http: or https:/ },
      { name: "an endpoint with a query", options: { endpoint: "http://h/r?a=1" }, error: /must not carry a query/ },
      { name: "an endpoint with a fragment", options: { endpoint: "http://h/r#x" }, error: /or fragment/ },
      {
        name: "an endpoint with credentials",
        options: { endpoint: "http://u:p@h/r" },
        error: /must not contain credentials/,
      },
      { name: "an empty appKey", options: { appKey: "" }, error: /appKey must be a non-empty string/ },
      { name: "an empty secret", options: { secret: "" }, error: /secret must be a non-empty string/ },
      { name: "an empty customerId", options: { customerId: "" }, error: /customerId must be a non-empty string/ },
      {
        name: "an unknown methodName",
        options: { methodName: "medium" },
        error: /methodName must be "long" or "short"/,
      },
      { name: "an unknown signMethod", options: { signMethod: "sha1" }, error: /signMethod must be one of md5, hmac/ },
      {
        name: "a zero readTimeoutMs",
        options: { readTimeoutMs: 0 },
        error: /readTimeoutMs must be a positive integer/,
      },
      { name: "a fractional connectTimeoutMs", options: { connectTimeoutMs: 1.5 }, error: /connectTimeoutMs must be/ },
      {
        name: "connectTimeoutMs with an injected dispatcher",
        // Construction fails before the dispatcher is touched, so a stand-in does and nothing is left open.
        options: { connectTimeoutMs: 100, dispatcher: {} },
        error: /set connect.timeout on the dispatcher you pass/,
      },
      { name: "a clock that is no function", options: { clock: new Date() }, error: /clock must be a function/ },
      {
        name: "zero retry attempts",
        options: { retry: { attempts: 0 } },
        error: /retry.attempts must be an integer from 1 to 10/,
      },
      { name: "eleven retry attempts", options: { retry: { attempts: 11 } }, error: /retry.attempts must be/ },
      {
        name: "a negative backoff",
        options: { retry: { attempts: 2, backoffMs: -1 } },
        error: /retry.backoffMs must be/,
      },
    ];
    for (const { name, options, error } of invalid) {
      it(`refuses ${name} at construction, saying what to use instead`, () => {
        expect(() => createQimenClient({ ...valid, ...options } as QimenClientOptions))
          .to.throw(error)
          .that.satisfies((thrown: Error) => thrown instanceof TypeError || thrown instanceof RangeError);
      });
    }

    it("leaves an injected dispatcher open when it closes", async () => {
      const dispatcher = new Agent();
      closers.push(() => dispatcher.close());
      const server = await serve(answer(SUCCESS));
      await clientFor(server.endpoint, { dispatcher }).close();
      expect(await clientFor(server.endpoint, { dispatcher }).cancelOrder(REQUEST)).to.deep.include({ ok: true });
    });
  });
});
