import { expect } from "chai";
import { judgeCall } from "../../src/recording/judge-call.js";
import { verdictOf, type Finding } from "../../src/recording/findings.js";
import type { ObservedCall } from "../../src/wms/observed-call.js";
import { OrderStore } from "../../src/wms/order-store.js";
import {
  APP_KEY,
  CANCEL_NEW_ORDER_BODY,
  CUSTOMER_ID,
  harnessSign,
  NEW_ORDER,
  postQimen,
  SECRET,
  signedParams,
  startSandbox,
  toSearch,
  type CallOptions,
  type RunningSandbox,
} from "../wms/harness.js";

const SETTINGS = { appKey: APP_KEY, secret: SECRET, customerId: CUSTOMER_ID };
const CHINESE_BODY =
  "<request><warehouseCode>W1</warehouseCode><orderCode>O-1001</orderCode><cancelReason>客户取消</cancelReason></request>";
/** CHINESE_BODY's bytes in GBK, written out: 客户取消. */
const GBK_REASON = Buffer.from([0xbf, 0xcd, 0xbb, 0xa7, 0xc8, 0xa1, 0xcf, 0xfb]);
const GBK_BODY = Buffer.concat([
  Buffer.from("<request><warehouseCode>W1</warehouseCode><orderCode>O-1001</orderCode><cancelReason>"),
  GBK_REASON,
  Buffer.from("</cancelReason></request>"),
]);

interface Sent {
  readonly params: [string, string][];
  readonly body: string | Uint8Array;
  readonly contentType?: string;
}

const signed = (options: CallOptions = {}, body: string | Uint8Array = CANCEL_NEW_ORDER_BODY): Sent => ({
  params: signedParams({ ...options, body }),
  body,
});

const withSign = (sent: Sent, change: (sign: string) => string): Sent => ({
  ...sent,
  params: sent.params.map(([name, value]) => [name, name === "sign" ? change(value) : value]),
});

/** Each broken call, what the judge must say about it (check, severity, a telling part of the message). */
const BROKEN: readonly (readonly [string, () => Sent, readonly [string, "fail" | "warn", string]])[] = [
  ["UTC clock", () => signed({ timestamp: "2024-05-01 04:00:00" }), ["timestamp", "fail", "formatted in UTC"]],
  ["lower-case sign", () => withSign(signed(), (sign) => sign.toLowerCase()), ["sign", "fail", "lower-case hex"]],
  [
    "body changed after signing",
    () => ({ ...signed(), body: `<?xml version="1.0" encoding="utf-8"?>${CANCEL_NEW_ORDER_BODY}` }),
    ["sign", "fail", "XML declaration added"],
  ],
  ["GBK body", () => ({ ...signed({}, CHINESE_BODY), body: GBK_BODY }), ["sign", "fail", "re-encoded as GBK"]],
  [
    "missing orderCode",
    () => signed({}, "<request><warehouseCode>W1</warehouseCode></request>"),
    ["field-missing", "fail", "<orderCode>"],
  ],
  ["hmac", () => signed({ signMethod: "hmac" }), ["sign-method-unsupported", "fail", "SpiUtils"]],
  [
    "empty param signed the SDK sender's way",
    () => {
      const sent = signed();
      return { ...sent, params: [["partner_id", ""], ...sent.params] };
    },
    ["param-empty", "fail", "partner_id"],
  ],
  [
    "unknown orderType",
    () =>
      signed(
        {},
        "<request><warehouseCode>W1</warehouseCode><orderCode>O-1001</orderCode><orderType>PTRK</orderType></request>",
      ),
    ["order-type", "warn", "PTRK"],
  ],
  [
    "sub_source_order items",
    () =>
      signed(
        {},
        "<request><warehouseCode>W1</warehouseCode><orderCode>O-1001</orderCode><subSourceOrders><sub_source_order><subSourceOrderCode>S1</subSourceOrderCode></sub_source_order></subSourceOrders></request>",
      ),
    ["sub-source-order", "warn", "<subSourceOrder>"],
  ],
  [
    "quoted charset",
    () => ({ ...signed(), contentType: 'text/xml;charset="utf-8"' }),
    ["content-type-unsupported", "fail", "quoted"],
  ],
];

describe("recording: judging each call as an SDK-built WMS takes it", () => {
  let sandbox: RunningSandbox;
  let observed: ObservedCall[];

  beforeEach(async () => {
    observed = [];
    const store = new OrderStore();
    store.put(NEW_ORDER);
    sandbox = await startSandbox({ store, customerId: CUSTOMER_ID, onQimenCall: (call) => void observed.push(call) });
  });
  afterEach(() => sandbox.wms.close());

  async function judge(sent: Sent): Promise<Finding[]> {
    await postQimen(sandbox, toSearch(sent.params), sent.body, sent.contentType ?? "text/xml;charset=utf-8");
    expect(observed).to.have.length(1);
    return judgeCall(observed[0] as ObservedCall, SETTINGS);
  }

  it("finds nothing wrong with a correct call (the harmless twin of every case below)", async () => {
    expect(await judge(signed())).to.deep.equal([]);
  });

  it("finds nothing wrong with a correct call carrying Chinese text (the GBK body's twin)", async () => {
    expect(await judge(signed({}, CHINESE_BODY))).to.deep.equal([]);
  });

  for (const [name, make, [check, severity, says]] of BROKEN) {
    it(`${name}: ${severity} ${check}, saying "${says}"`, async () => {
      const findings = await judge(make());
      const found = findings.find((finding) => finding.check === check);
      expect(found, JSON.stringify(findings)).to.include({ severity });
      expect(found?.message).to.include(says);
      expect(verdictOf(findings, false)).to.equal(severity === "fail" ? "failed" : "warned");
      expect(verdictOf(findings, true)).to.equal("failed");
      expect(JSON.stringify(findings)).not.to.include(SECRET);
    });
  }

  it("a sign made with another secret: no cause it can see, and no expected sign shown", async () => {
    const findings = await judge(signed({ secret: "another-secret" }));
    const expectedSign = harnessSign(signed().params.slice(0, -1), CANCEL_NEW_ORDER_BODY, SECRET, "md5");
    expect(findings).to.deep.equal([
      {
        check: "sign",
        severity: "fail",
        message:
          "wrong sign: the sign matches nothing the ERP could have sent: a wrong secret, or params or body changed after signing",
      },
    ]);
    expect(JSON.stringify(findings)).not.to.include(expectedSign);
  });
});
