import { expect } from "chai";
import type { ObservedCall } from "../../src/wms/observed-call.js";
import { OrderStore } from "../../src/wms/order-store.js";
import {
  CANCEL_NEW_ORDER_BODY,
  cancelCall,
  FIXED_NOW,
  NEW_ORDER,
  postQimen,
  signedParams,
  startSandbox,
  toSearch,
  type RunningSandbox,
} from "./harness.js";

/** The sandbox's onQimenCall hook: what `qimen-pact record` sees of each call. */
describe("sandbox: observing each Qimen call", () => {
  let sandbox: RunningSandbox;
  let observed: ObservedCall[];
  let store: OrderStore;

  beforeEach(async () => {
    observed = [];
    store = new OrderStore();
    sandbox = await startSandbox({ store, onQimenCall: (call) => void observed.push(call) });
  });
  afterEach(() => sandbox.wms.close());

  it("hands over the request as sent, the document held before the cancel and the answer", async () => {
    store.put(NEW_ORDER);
    const search = toSearch(signedParams());
    await postQimen(sandbox, search, CANCEL_NEW_ORDER_BODY, "application/xml; charset=UTF-8");
    expect(observed).to.have.length(1);
    const [call] = observed as [ObservedCall];
    expect({ ...call, body: Buffer.from(call.body ?? []).toString("utf8"), headers: undefined }).to.deep.equal({
      receivedAt: FIXED_NOW,
      path: "/qimen",
      search,
      headers: undefined,
      body: CANCEL_NEW_ORDER_BODY,
      held: [NEW_ORDER],
      answer: { flag: "success", code: "0", message: 'order "O-1001" cancelled' },
      warnings: [],
      orderCode: "O-1001",
    });
    expect(call.headers.filter(([name]) => name.toLowerCase() === "content-type")).to.deep.equal([
      ["content-type", "application/xml; charset=UTF-8"],
    ]);
    expect(store.list()).to.deep.equal([{ ...NEW_ORDER, status: "CANCELED" }]);
  });

  it("says nothing was held for a call refused before its body was read, and still names its order", async () => {
    await cancelCall(sandbox, { secret: "not-the-secret" });
    expect(observed.map(({ held, answer, orderCode }) => ({ held, code: answer.code, orderCode }))).to.deep.equal([
      { held: undefined, code: "sign-check-failure", orderCode: "O-1001" },
    ]);
  });

  it("holds nothing for an order the WMS does not know", async () => {
    await cancelCall(sandbox);
    expect(observed.map(({ held, answer }) => ({ held, code: answer.code }))).to.deep.equal([
      { held: [], code: "order-not-found" },
    ]);
  });

  it("keeps answering when the observer throws", async () => {
    const throwing = await startSandbox({
      onQimenCall: () => {
        throw new Error("observer bug");
      },
    });
    try {
      expect((await cancelCall(throwing)).code).to.equal("order-not-found");
    } finally {
      await throwing.wms.close();
    }
  });
});
