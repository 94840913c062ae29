import { expect } from "chai";
import {
  encodeCancelRequest,
  ORDER_CANCEL_METHOD,
  signQuery,
  verifySign,
  type SignMethod,
  type SystemParams,
} from "../../src/protocol/index.js";
import { CANCEL_BODY, EXPECTED_CANCEL_SIGNS, SANDBOX_SECRET } from "./signing-vectors.js";

const SYSTEM: SystemParams = {
  method: ORDER_CANCEL_METHOD.long,
  timestamp: "2024-03-01 12:00:00",
  appKey: "12345678",
  customerId: "stub-cust-code",
};

/** What a receiver does: URL-decode the query, then verify the sign over every param and the body. */
function receiverVerifies(search: string, body: string, signMethod: SignMethod): boolean {
  const params = [...new URLSearchParams(search)];
  const sign = params.find(([key]) => key === "sign")?.[1] ?? "";
  return verifySign({ params, body, secret: SANDBOX_SECRET, signMethod }, sign);
}

describe("system params", () => {
  it("names the method in its long (ERP to gateway) and short (WMS routing) forms", () => {
    expect(ORDER_CANCEL_METHOD).to.deep.equal({ long: "taobao.qimen.order.cancel", short: "order.cancel" });
  });

  it("signs, in these tests, exactly the body encodeCancelRequest writes for the spec example", () => {
    const body = encodeCancelRequest({
      warehouseCode: "W1234",
      ownerCode: "H1234",
      orderCode: "O1234",
      orderId: "WQ1234",
      orderType: "JYCK",
      cancelReason: "已经退货",
    });
    expect(body).to.equal(CANCEL_BODY);
  });

  for (const signMethod of Object.keys(EXPECTED_CANCEL_SIGNS) as SignMethod[]) {
    const sign = EXPECTED_CANCEL_SIGNS[signMethod];

    it(`builds the ${signMethod} query in send order, sign last, with the independently computed sign`, () => {
      expect(signQuery({ ...SYSTEM, signMethod }, CANCEL_BODY, SANDBOX_SECRET)).to.deep.equal({
        params: [
          ["method", "taobao.qimen.order.cancel"],
          ["timestamp", "2024-03-01 12:00:00"],
          ["format", "xml"],
          ["app_key", "12345678"],
          ["v", "2.0"],
          ["sign_method", signMethod],
          ["customerId", "stub-cust-code"],
          ["sign", sign],
        ],
        sign,
        search:
          "method=taobao.qimen.order.cancel&timestamp=2024-03-01+12%3A00%3A00&format=xml&app_key=12345678" +
          `&v=2.0&sign_method=${signMethod}&customerId=stub-cust-code&sign=${sign}`,
      });
    });

    it(`produces a ${signMethod} sign that a receiver verifies over the URL-decoded search`, () => {
      const { search } = signQuery({ ...SYSTEM, signMethod }, CANCEL_BODY, SANDBOX_SECRET);
      expect(receiverVerifies(search, CANCEL_BODY, signMethod)).to.equal(true);
    });
  }

  it("verifies as well when the receiver gets the timestamp's space as %20 instead of +", () => {
    const { search } = signQuery(SYSTEM, CANCEL_BODY, SANDBOX_SECRET);
    expect(receiverVerifies(search.replace("+", "%20"), CANCEL_BODY, "md5")).to.equal(true);
  });

  it("leaves empty values out of the query and the sign, keeping sign last", () => {
    const { params, search } = signQuery(
      { ...SYSTEM, method: ORDER_CANCEL_METHOD.short, customerId: "", v: "" },
      CANCEL_BODY,
      SANDBOX_SECRET,
    );
    expect(params.map(([key]) => key)).to.deep.equal([
      "method",
      "timestamp",
      "format",
      "app_key",
      "sign_method",
      "sign",
    ]);
    expect(search).to.match(
      /^method=order\.cancel&timestamp=2024-03-01\+12%3A00%3A00&format=xml&app_key=12345678&sign_method=md5&sign=[0-9A-F]{32}$/,
    );
    expect(receiverVerifies(search, CANCEL_BODY, "md5")).to.equal(true);
  });

  it("signs the body it is given: a receiver holding a different body rejects the sign", () => {
    const { search } = signQuery(SYSTEM, CANCEL_BODY, SANDBOX_SECRET);
    expect(receiverVerifies(search, CANCEL_BODY.replace("已经退货", "已经退款"), "md5")).to.equal(false);
  });
});
