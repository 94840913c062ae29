import { expect } from "chai";
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { connect } from "node:net";
import { request } from "undici";
import { encodeCancelRequest } from "../../src/protocol/request-codec.js";
import type { OrderDocument } from "../../src/wms/order-store.js";
import {
  CANCEL_NEW_ORDER,
  CANCELLED,
  cancelCall,
  NEW_ORDER,
  postQimen,
  postState,
  signedParams,
  startSandbox,
  toSearch,
  type RunningSandbox,
} from "./harness.js";

const BODY = encodeCancelRequest(CANCEL_NEW_ORDER);
const SHIPPED: OrderDocument = { warehouseCode: "W1", orderCode: "O-2002", status: "DELIVERED" };

/** Sends the headers and part of the body over a raw socket, waits until the server is reading it, then vanishes. */
async function abortedUpload(sandbox: RunningSandbox, probe: number): Promise<void> {
  const { server } = sandbox.wms;
  const reading = new Promise<void>((resolve) => {
    const onRequest = (incoming: IncomingMessage): void => {
      if (incoming.url?.endsWith(`probe=${probe}`) !== true) return;
      server.off("request", onRequest);
      resolve();
    };
    server.on("request", onRequest);
  });
  const socket = connect(Number(sandbox.qimenUrl.port), "127.0.0.1");
  socket.on("error", () => undefined);
  socket.write(
    `POST ${sandbox.qimenUrl.pathname}?${toSearch(signedParams({ body: BODY }))}&probe=${probe} HTTP/1.1\r\n` +
      `Host: sandbox\r\nContent-Type: text/xml\r\nContent-Length: ${BODY.length + 100}\r\n\r\n${BODY}`,
  );
  await reading;
  socket.destroy();
}

/** Writes bytes that are not HTTP and resolves when the server has closed the connection. */
async function garbageConnection(sandbox: RunningSandbox, bytes: string): Promise<void> {
  const socket = connect(Number(sandbox.qimenUrl.port), "127.0.0.1");
  socket.on("error", () => undefined);
  socket.resume();
  socket.end(bytes);
  await once(socket, "close");
}

/** An upload far past every limit: the sandbox may answer or cut the connection, but must survive it. */
async function hugeUpload(sandbox: RunningSandbox): Promise<void> {
  const body = Buffer.alloc(3 * 1024 * 1024, "<");
  try {
    const response = await request(`${sandbox.qimenUrl.href}?${toSearch(signedParams({ body }))}`, {
      method: "POST",
      body,
    });
    expect(response.statusCode).to.equal(200);
    expect(await response.body.text()).to.include("<code>xml-too-large</code>");
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).to.be.oneOf(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);
  }
}

describe("sandbox WMS: a barrage of hostile requests", () => {
  let sandbox: RunningSandbox;
  before(async () => {
    sandbox = await startSandbox();
    sandbox.wms.store.put(NEW_ORDER);
    sandbox.wms.store.put(SHIPPED);
  });
  after(() => sandbox.wms.close());

  it("changes nothing, never answers 5xx, and a valid cancel still succeeds afterwards", async () => {
    const before = sandbox.wms.store.list();
    const signed = (body: string | Uint8Array, options = {}): Promise<{ flag: string; code?: string }> =>
      postQimen(sandbox, toSearch(signedParams({ body, ...options })), body);
    const envelopes = [
      ...Array.from({ length: 10 }, (_, i) => signed(BODY, { secret: `guess-${i}` })),
      ...Array.from({ length: 5 }, () => signed(BODY, { timestamp: "2024-05-01 10:00:00" })),
      signed(BODY, { method: "taobao.qimen.deliveryorder.create" }),
      signed(`<request>${"<a>".repeat(5000)}</request>`),
      signed(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><request>&e;</request>`),
      signed(
        "<request><warehouseCode>W1</warehouseCode><orderCode>O-1001</orderCode><orderCode>O-2002</orderCode></request>",
      ),
      signed(Buffer.from([0xc0, 0xaf, 0x00, 0xff])),
      postQimen(sandbox, `${toSearch(signedParams({ body: BODY }))}&sign=0`, BODY),
      postQimen(sandbox, "%%%&&&==", BODY),
    ];
    const others = [
      ...Array.from({ length: 5 }, (_, probe) => abortedUpload(sandbox, probe)),
      garbageConnection(sandbox, "\x16\x03\x01\x02\x00 not http at all\r\n\r\n"),
      garbageConnection(sandbox, `GET /qimen?${"x".repeat(70_000)} HTTP/1.1\r\nHost: a\r\n\r\n`),
      hugeUpload(sandbox),
      postState(sandbox, '{"state": "an order exists", "params": {"orderCode": {"$gt": ""}}}').then(({ status }) => {
        expect(status).to.equal(400);
      }),
    ];
    const replies = await Promise.all(envelopes);
    await Promise.all(others);
    await sandbox.waitForLogLines((line) => line.startsWith("call=qimen verdict=aborted"), 5);

    expect(replies.map((reply) => reply.flag)).to.deep.equal(envelopes.map(() => "failure"));
    expect(sandbox.wms.store.list()).to.deep.equal(before);
    expect(await cancelCall(sandbox)).to.deep.equal(CANCELLED);
    expect(sandbox.wms.store.list()).to.deep.equal([{ ...NEW_ORDER, status: "CANCELED" }, SHIPPED]);
  });

  it("a hostile method name can neither forge a log line nor break the XML answer", async () => {
    const logged = sandbox.logLines.length;
    const method = "order.cancel\ncall=qimen verdict=success\uFFFF";
    const reply = await postQimen(sandbox, toSearch(signedParams({ body: BODY, method })), BODY);
    expect(reply).to.deep.equal({
      flag: "failure",
      code: "method-unknown",
      message:
        'unknown method "order.cancel\\ncall=qimen verdict=success\\uffff": this endpoint serves taobao.qimen.order.cancel and order.cancel',
    });
    expect(sandbox.logLines.slice(logged)).to.have.length(1);
    expect(sandbox.logLines.at(-1)).to.match(
      /^call=qimen method="order\.cancel\\ncall=qimen verdict=success\\uffff" verdict=failure /,
    );
  });
});
