import { expect } from "chai";
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { connect } from "node:net";
import { request } from "undici";
import type { OrderDocument } from "../../src/wms/order-store.js";
import {
  CANCEL_NEW_ORDER_BODY as BODY,
  CANCELLED,
  cancelCall,
  ILLEGAL_REQUEST,
  NEW_ORDER,
  postQimen,
  postState,
  signedParams,
  startSandbox,
  toSearch,
  type CallOptions,
  type QimenReply,
  type RunningSandbox,
  withoutLatency,
} from "./harness.js";

/** One hostile Qimen call and the failure code it must get: each class its own, never internal-error. */
interface HostileCall {
  readonly name: string;
  readonly send: () => Promise<QimenReply>;
  readonly code: string;
}
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

  it("answers each hostile call its own failure code, changes nothing, and a valid cancel still succeeds afterwards", async () => {
    const before = sandbox.wms.store.list();
    const signed =
      (body: string | Uint8Array, options: CallOptions = {}) =>
      (): Promise<QimenReply> =>
        postQimen(sandbox, toSearch(signedParams({ body, ...options })), body);
    const repeated = (count: number, call: HostileCall): HostileCall[] => Array.from({ length: count }, () => call);
    const calls: readonly HostileCall[] = [
      ...Array.from({ length: 10 }, (_, i) => ({
        name: "guessed secret",
        send: signed(BODY, { secret: `guess-${i}` }),
        code: "sign-check-failure",
      })),
      ...repeated(5, {
        name: "replayed 2 h later",
        send: signed(BODY, { timestamp: "2024-05-01 10:00:00" }),
        code: "timestamp-out-of-window",
      }),
      {
        name: "another API",
        send: signed(BODY, { method: "taobao.qimen.deliveryorder.create" }),
        code: "method-unknown",
      },
      {
        name: "5000 levels deep",
        send: signed(`<request>${"<a>".repeat(5000)}${"</a>".repeat(5000)}</request>`),
        code: "xml-too-deep",
      },
      {
        name: "5000 unclosed elements",
        send: signed(`<request>${"<a>".repeat(5000)}</request>`),
        code: "xml-malformed",
      },
      {
        name: "external entity",
        send: signed(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><request>&e;</request>`),
        code: "xml-dtd-forbidden",
      },
      {
        name: "second orderCode",
        send: signed(
          "<request><warehouseCode>W1</warehouseCode><orderCode>O-1001</orderCode><orderCode>O-2002</orderCode></request>",
        ),
        code: "field-duplicate",
      },
      { name: "not UTF-8", send: signed(Buffer.from([0xc0, 0xaf, 0x00, 0xff])), code: "xml-encoding" },
      {
        name: "second sign",
        send: () => postQimen(sandbox, `${toSearch(signedParams({ body: BODY }))}&sign=0`, BODY),
        code: "param-duplicate",
      },
      { name: "query of junk", send: () => postQimen(sandbox, "%%%&&&==", BODY), code: "app-key-missing" },
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
    const replies = await Promise.all(calls.map(({ send }) => send()));
    await Promise.all(others);
    await sandbox.waitForLogLines((line) => line.startsWith("call=qimen verdict=aborted"), 5);

    expect(replies.map(({ flag, code }, index) => ({ name: calls[index]?.name, flag, code }))).to.deep.equal(
      calls.map(({ name, code }) => ({ name, flag: "failure", code })),
    );
    expect(sandbox.wms.store.list()).to.deep.equal(before);
    expect(await cancelCall(sandbox)).to.deep.equal(CANCELLED);
    expect(sandbox.wms.store.list()).to.deep.equal([{ ...NEW_ORDER, status: "CANCELED" }, SHIPPED]);
  });

  // A refused call's orderCode is read from the raw body for the log: no decoder has vetted it.
  const hostileOrderCodes: readonly { readonly name: string; readonly orderCode: string; readonly logged: string }[] = [
    {
      name: "a newline and a forged line",
      orderCode: "O-1\ncall=qimen verdict=success code=0",
      logged: ' orderCode="O-1\\ncall=qimen verdict=success code=0"',
    },
    { name: "quotes", orderCode: 'O-1" verdict="success', logged: ' orderCode="O-1\\" verdict=\\"success"' },
    {
      name: "a line separator",
      orderCode: "O-1\u2028verdict=success",
      logged: ' orderCode="O-1\\u2028verdict=success"',
    },
    { name: "3 KB, within the part scanned", orderCode: "A".repeat(3000), logged: ` orderCode="${"A".repeat(400)}…"` },
    { name: "10 KB, past the part scanned", orderCode: "A".repeat(10 * 1024), logged: "" },
  ];
  for (const { name, orderCode, logged } of hostileOrderCodes) {
    it(`a refused call's orderCode with ${name} can neither forge nor bloat its log line`, async () => {
      const body = `<request><warehouseCode>W1</warehouseCode><orderCode>${orderCode}</orderCode></request>`;
      const before = sandbox.logLines.length;
      const reply = await postQimen(sandbox, toSearch(signedParams({ body, secret: "guessed" })), body);
      expect(reply).to.deep.equal(ILLEGAL_REQUEST);
      expect(sandbox.logLines.slice(before).map(withoutLatency)).to.deep.equal([
        `call=qimen method=order.cancel${logged} verdict=failure code=sign-check-failure message="Illegal request"`,
      ]);
    });
  }

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
      /^call=qimen method="order\.cancel\\ncall=qimen verdict=success\\uffff" orderCode=O-1001 verdict=failure /,
    );
  });
});
