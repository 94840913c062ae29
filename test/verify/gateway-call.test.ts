import { expect } from "chai";
import { toGatewayCall, type GatewaySettings } from "../../provider-verify/gateway-call.js";
import { isQimenError } from "../../src/protocol/errors.js";
import { verifySign, type SignMethod } from "../../src/protocol/signing.js";

/** The query Pact's verifier sends: the contract's example values, URL-encoded as Pact does. */
const CONTRACT_SEARCH =
  "app_key=example-app&customerId=example-customer&format=xml&method=taobao.qimen.order.cancel" +
  "&sign=0123456789ABCDEF0123456789ABCDEF&sign_method=md5&timestamp=2025-01-15+10%3A30%3A00&v=2.0";
const BODY = Buffer.from(
  "<?xml version='1.0'?><request><warehouseCode>WH</warehouseCode><orderCode>SO-1</orderCode><cancelReason>客户取消</cancelReason></request>",
  "utf8",
);
const SETTINGS: GatewaySettings = {
  providerUrl: new URL("https://wms.example.com/erp/qimen/api"),
  secret: "s3cret",
  appKey: "wms-app",
  customerId: "C-42",
  methodName: "short",
};
/** 2024-05-01 12:00:00 UTC is 20:00:00 in Beijing. */
const NOW = new Date("2024-05-01T12:00:00Z");

function deliver(overrides: Partial<GatewaySettings> = {}, search = CONTRACT_SEARCH, badSignature = false) {
  return toGatewayCall({ search, body: BODY }, { ...SETTINGS, ...overrides }, { now: NOW, badSignature });
}

describe("verify: delivering a contract's call as the Qimen gateway does", () => {
  it("sends the provider's credentials, a fresh Beijing timestamp and the short method, to the exact URL", () => {
    const call = deliver();
    expect({ origin: call.url.origin, path: call.url.pathname, params: call.params }).to.deep.equal({
      origin: "https://wms.example.com",
      path: "/erp/qimen/api",
      params: [
        ["app_key", "wms-app"],
        ["customerId", "C-42"],
        ["format", "xml"],
        ["method", "order.cancel"],
        ["sign_method", "md5"],
        ["timestamp", "2024-05-01 20:00:00"],
        ["v", "2.0"],
      ],
    });
  });

  it("puts exactly the signed params, then the sign, in the query", () => {
    const call = deliver();
    expect([...call.url.searchParams]).to.deep.equal([...call.params, ["sign", call.sign]]);
  });

  it("signs the params and the exact body bytes with the secret", () => {
    const call = deliver();
    expect(verifySign({ params: call.params, body: BODY, secret: "s3cret" }, call.sign)).to.equal(true);
  });

  const METHODS = [
    { methodName: "short", sent: "order.cancel" },
    { methodName: "long", sent: "taobao.qimen.order.cancel" },
  ] as const;
  for (const { methodName, sent } of METHODS) {
    it(`sends method ${sent} for --method-name ${methodName}, whichever name the contract uses`, () => {
      for (const contractMethod of ["taobao.qimen.order.cancel", "order.cancel"]) {
        const search = CONTRACT_SEARCH.replace("method=taobao.qimen.order.cancel", `method=${contractMethod}`);
        expect(deliver({ methodName }, search).url.searchParams.get("method")).to.equal(sent);
      }
    });
  }

  it("keeps the contract's app_key and customerId when none is given", () => {
    const withoutCredentials: GatewaySettings = {
      providerUrl: SETTINGS.providerUrl,
      secret: SETTINGS.secret,
      methodName: "short",
    };
    const call = toGatewayCall({ search: CONTRACT_SEARCH, body: BODY }, withoutCredentials, {
      now: NOW,
      badSignature: false,
    });
    expect([call.url.searchParams.get("app_key"), call.url.searchParams.get("customerId")]).to.deep.equal([
      "example-app",
      "example-customer",
    ]);
  });

  it("keeps params named like Object.prototype members as the contract writes them", () => {
    const names = ["constructor", "toString", "__proto__", "hasOwnProperty"];
    const search = `${CONTRACT_SEARCH}&${names.map((name) => `${name}=x`).join("&")}`;
    expect(deliver({}, search).params.filter(([key]) => names.includes(key))).to.deep.equal(
      names.map((name) => [name, "x"]),
    );
  });

  it("leaves out empty-valued params, as a Qimen sender must", () => {
    const call = deliver({ customerId: "" });
    expect(call.params.map(([key]) => key)).to.deep.equal([
      "app_key",
      "format",
      "method",
      "sign_method",
      "timestamp",
      "v",
    ]);
  });

  const SIGN_METHODS: readonly SignMethod[] = ["md5", "hmac", "hmac-sha256"];
  for (const signMethod of SIGN_METHODS) {
    it(`signs with the contract's sign_method ${signMethod}`, () => {
      const call = deliver({}, CONTRACT_SEARCH.replace("sign_method=md5", `sign_method=${signMethod}`));
      expect(verifySign({ params: call.params, body: BODY, secret: "s3cret", signMethod }, call.sign)).to.equal(true);
    });
  }

  it("sends a well-formed but wrong sign for the interaction marked bad-signature", () => {
    const good = deliver();
    const bad = deliver({}, CONTRACT_SEARCH, true);
    expect({
      shape: /^[0-9A-F]{32}$/.test(bad.sign),
      verifies: verifySign({ params: bad.params, body: BODY, secret: "s3cret" }, bad.sign),
      sameParams: JSON.stringify(bad.params) === JSON.stringify(good.params),
    }).to.deep.equal({ shape: true, verifies: false, sameParams: true });
  });

  it("names every sign it computed as sensitive: the one sent, and for a bad signature also the right one", () => {
    const good = deliver();
    const bad = deliver({}, CONTRACT_SEARCH, true);
    expect({ good: good.signs, bad: bad.signs }).to.deep.equal({
      good: [good.sign],
      bad: [bad.sign, good.sign],
    });
  });

  it("refuses a contract whose sign_method no gateway signs with", () => {
    let error: unknown;
    try {
      deliver({}, CONTRACT_SEARCH.replace("sign_method=md5", "sign_method=sha1"));
    } catch (thrown) {
      error = thrown;
    }
    expect(isQimenError(error, "QIMEN_CONTRACT_INVALID") && error.message).to.equal(
      "the contract's request has sign_method=sha1: the gateway signs with md5, hmac, hmac-sha256",
    );
  });
});
