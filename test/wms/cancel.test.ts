import { expect } from "chai";
import type { OrderCancelRequest } from "../../src/protocol/model.js";
import { encodeCancelRequest } from "../../src/protocol/request-codec.js";
import { ORDER_CANCEL_METHOD } from "../../src/protocol/system-params.js";
import type { OrderDocument, OrderStatus } from "../../src/wms/order-store.js";
import {
  CANCEL_NEW_ORDER,
  CANCELLED,
  cancelCall,
  failure,
  NEW_ORDER,
  startSandbox,
  type QimenReply,
  type RunningSandbox,
} from "./harness.js";

const ALREADY_CANCELLED: QimenReply = { flag: "success", code: "0", message: 'order "O-1001" was already cancelled' };
const withStatus = (status: OrderStatus, extra: Partial<OrderDocument> = {}): OrderDocument => ({
  ...NEW_ORDER,
  ...extra,
  status,
});

describe("sandbox WMS: order.cancel semantics", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.wms.close());

  const cancel = (request: OrderCancelRequest = CANCEL_NEW_ORDER, method?: string): Promise<QimenReply> =>
    cancelCall(sandbox, { body: encodeCancelRequest(request), ...(method === undefined ? {} : { method }) });

  for (const method of Object.values(ORDER_CANCEL_METHOD)) {
    it(`routes method ${method}: a NEW order becomes CANCELED, code 0`, async () => {
      sandbox.wms.store.put(NEW_ORDER);
      expect(await cancel(CANCEL_NEW_ORDER, method)).to.deep.equal(CANCELLED);
      expect(sandbox.wms.store.list()).to.deep.equal([withStatus("CANCELED")]);
    });
  }

  it("answers any other method with method-unknown naming it, and changes nothing", async () => {
    sandbox.wms.store.put(NEW_ORDER);
    expect(await cancel(CANCEL_NEW_ORDER, "taobao.qimen.entryorder.create")).to.deep.equal(
      failure(
        "method-unknown",
        'unknown method "taobao.qimen.entryorder.create": this endpoint serves taobao.qimen.order.cancel and order.cancel',
      ),
    );
    expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
  });

  it("answers a call without method with method-missing", async () => {
    sandbox.wms.store.put(NEW_ORDER);
    expect(await cancel(CANCEL_NEW_ORDER, "")).to.deep.equal(failure("method-missing", "method parameter is missing"));
    expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
  });

  describe("by status of the document", () => {
    const cases: readonly { status: OrderStatus; reply: QimenReply; after: OrderStatus }[] = [
      { status: "NEW", reply: CANCELLED, after: "CANCELED" },
      { status: "ACCEPT", reply: CANCELLED, after: "CANCELED" },
      { status: "PICK", reply: CANCELLED, after: "CANCELED" },
      { status: "CANCELED", reply: ALREADY_CANCELLED, after: "CANCELED" },
      ...(["DELIVERED", "PARTDELIVERED"] as const).map((status) => ({
        status,
        reply: failure("order-shipped", `order "O-1001" is ${status}: cannot be cancelled`),
        after: status,
      })),
      ...(["FULFILLED", "PARTFULFILLED"] as const).map((status) => ({
        status,
        reply: failure("order-received", `order "O-1001" is ${status}: cannot be cancelled`),
        after: status,
      })),
      {
        status: "CLOSED",
        reply: failure("order-closed", 'order "O-1001" is CLOSED: cannot be cancelled'),
        after: "CLOSED",
      },
    ];
    for (const { status, reply, after } of cases) {
      it(`${status} → ${reply.flag} ${reply.code}, then ${after}`, async () => {
        sandbox.wms.store.put(withStatus(status));
        expect(await cancel()).to.deep.equal(reply);
        expect(sandbox.wms.store.list()).to.deep.equal([withStatus(after)]);
      });
    }
  });

  it("a repeated cancel (retry after isp.http-read-timeout) succeeds every time", async () => {
    sandbox.wms.store.put(NEW_ORDER);
    expect([await cancel(), await cancel(), await cancel()]).to.deep.equal([
      CANCELLED,
      ALREADY_CANCELLED,
      ALREADY_CANCELLED,
    ]);
    expect(sandbox.wms.store.list()).to.deep.equal([withStatus("CANCELED")]);
  });

  it("an unknown order answers order-not-found", async () => {
    expect(await cancel()).to.deep.equal(
      failure("order-not-found", 'no order "O-1001" in warehouse "W1" matches the request'),
    );
    expect(sandbox.wms.store.list()).to.deep.equal([]);
  });

  describe("finds the document by orderCode with warehouseCode/ownerCode/orderType/orderId when given", () => {
    const stored = withStatus("NEW", { ownerCode: "H1", orderType: "CGRK", orderId: "WQ1" });
    const cases: readonly { name: string; request: OrderCancelRequest; found: boolean }[] = [
      {
        name: "orderCode and warehouseCode only (no orderId, as real ERPs send)",
        request: CANCEL_NEW_ORDER,
        found: true,
      },
      {
        name: "every identifying field matching",
        request: { ...CANCEL_NEW_ORDER, ownerCode: "H1", orderType: "CGRK", orderId: "WQ1" },
        found: true,
      },
      { name: "warehouseCode OTHER", request: { ...CANCEL_NEW_ORDER, warehouseCode: "OTHER" }, found: true },
      { name: "another warehouse", request: { ...CANCEL_NEW_ORDER, warehouseCode: "W2" }, found: false },
      { name: "another owner", request: { ...CANCEL_NEW_ORDER, ownerCode: "H2" }, found: false },
      { name: "another orderType", request: { ...CANCEL_NEW_ORDER, orderType: "JYCK" }, found: false },
      { name: "another orderId", request: { ...CANCEL_NEW_ORDER, orderId: "WQ2" }, found: false },
    ];
    for (const { name, request, found } of cases) {
      it(`${name}: ${found ? "cancelled" : "order-not-found, unchanged"}`, async () => {
        sandbox.wms.store.put(stored);
        const reply = await cancel(request);
        expect(reply.code).to.equal(found ? "0" : "order-not-found");
        expect(sandbox.wms.store.list()).to.deep.equal([found ? { ...stored, status: "CANCELED" } : stored]);
      });
    }

    it("two owners with the same code and no ownerCode in the request: order-ambiguous, both unchanged", async () => {
      const documents = [withStatus("NEW", { ownerCode: "H1" }), withStatus("NEW", { ownerCode: "H2" })];
      for (const document of documents) sandbox.wms.store.put(document);
      expect(await cancel()).to.deep.equal(
        failure("order-ambiguous", '2 orders match "O-1001": send ownerCode, orderType or a specific warehouseCode'),
      );
      expect(sandbox.wms.store.list()).to.deep.equal(documents);
      expect((await cancel({ ...CANCEL_NEW_ORDER, ownerCode: "H2" })).code).to.equal("0");
      expect(sandbox.wms.store.list()).to.deep.equal([documents[0], { ...documents[1], status: "CANCELED" }]);
    });
  });

  it("accepts an orderType outside the spec's 19 codes and records the warning in the log", async () => {
    sandbox.wms.store.put(withStatus("NEW", { orderType: "PTRK" }));
    expect(await cancel({ ...CANCEL_NEW_ORDER, orderType: "PTRK" })).to.deep.equal(CANCELLED);
    expect(sandbox.logLines.at(-1)).to.include(
      'warnings="orderType \\"PTRK\\" is not one of the 19 codes of the order.cancel spec; kept as sent"',
    );
  });

  it("accepts every optional field, Chinese text included", async () => {
    sandbox.wms.store.put(withStatus("ACCEPT", { ownerCode: "H1", orderType: "JYCK" }));
    const request: OrderCancelRequest = {
      ...CANCEL_NEW_ORDER,
      ownerCode: "H1",
      orderType: "JYCK",
      cancelReason: "已经退货",
      extendProps: { key1: "v1", key2: "值" },
      subSourceOrders: [{ subSourceOrderCode: "21324234" }, { subSourceOrderCode: "21324235" }],
      remark: "备注",
    };
    expect(await cancel(request)).to.deep.equal(CANCELLED);
  });

  it("logs one line per call with method, orderCode, verdict, code and latency", async () => {
    sandbox.wms.store.put(NEW_ORDER);
    await cancel();
    expect(sandbox.logLines).to.have.length(1);
    expect(sandbox.logLines[0]).to.match(
      /^call=qimen method=order\.cancel orderCode=O-1001 verdict=success code=0 message="order \\"O-1001\\" cancelled" latencyMs=\d+\.\d$/,
    );
  });
});
