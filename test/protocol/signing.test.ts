import { expect } from "chai";
import {
  canonicalParams,
  computeSign,
  describeSignedString,
  verifySign,
  type SignInput,
  type SignMethod,
} from "../../src/protocol/index.js";
import { CANCEL_BODY, cancelParams, EXPECTED_CANCEL_SIGNS, SANDBOX_SECRET } from "./signing-vectors.js";

/** The public TOP check vector quoted in docs/protocol.md. */
const TOP_VECTOR: SignInput = {
  secret: "helloworld",
  params: {
    method: "taobao.item.seller.get",
    timestamp: "2016-01-01 12:00:00",
    format: "json",
    app_key: "12345678",
    v: "2.0",
    sign_method: "md5",
    session: "test",
    fields: "num_iid,title,nick,price,num",
    num_iid: "11223344",
  },
};

const SIGN_METHOD_LIST = Object.keys(EXPECTED_CANCEL_SIGNS) as SignMethod[];

function cancelInput(signMethod: SignMethod, body: string | Uint8Array = CANCEL_BODY): SignInput {
  return { params: cancelParams(signMethod), body, secret: SANDBOX_SECRET, signMethod };
}

describe("signing", () => {
  it("reproduces the public TOP vector 66987CB115214E59E6EC978214934FB8", () => {
    expect(computeSign(TOP_VECTOR)).to.equal("66987CB115214E59E6EC978214934FB8");
  });

  for (const signMethod of SIGN_METHOD_LIST) {
    describe(signMethod, () => {
      it("signs an order.cancel body with Chinese text as computed independently", () => {
        expect(computeSign(cancelInput(signMethod))).to.equal(EXPECTED_CANCEL_SIGNS[signMethod]);
      });

      it("gives the same sign for the body as a string and as its UTF-8 bytes", () => {
        expect(computeSign(cancelInput(signMethod, Buffer.from(CANCEL_BODY, "utf8")))).to.equal(
          EXPECTED_CANCEL_SIGNS[signMethod],
        );
      });

      it("ignores a sign param among the params", () => {
        const input = cancelInput(signMethod);
        const withSign = { ...input, params: { ...cancelParams(signMethod), sign: "0123456789ABCDEF" } };
        expect(computeSign(withSign)).to.equal(EXPECTED_CANCEL_SIGNS[signMethod]);
      });

      it("signs the body byte for byte: a trailing newline changes the sign", () => {
        expect(computeSign(cancelInput(signMethod, `${CANCEL_BODY}\n`))).not.to.equal(
          EXPECTED_CANCEL_SIGNS[signMethod],
        );
      });

      it("verifies its own sign", () => {
        expect(verifySign(cancelInput(signMethod), EXPECTED_CANCEL_SIGNS[signMethod])).to.equal(true);
      });

      const expected = EXPECTED_CANCEL_SIGNS[signMethod];
      const WRONG_SIGNS: { readonly name: string; readonly sign: string }[] = [
        { name: "the sign in lower case", sign: expected.toLowerCase() },
        { name: "a sign one character short", sign: expected.slice(0, -1) },
        { name: "the sign with junk appended", sign: `${expected}00` },
        { name: "the sign with a trailing space", sign: `${expected} ` },
        { name: "an empty sign", sign: "" },
        { name: "a sign with one digit changed", sign: (expected.startsWith("0") ? "1" : "0") + expected.slice(1) },
        {
          name: "the sign of another sign method",
          sign: EXPECTED_CANCEL_SIGNS[signMethod === "md5" ? "hmac" : "md5"],
        },
      ];
      for (const { name, sign } of WRONG_SIGNS) {
        it(`rejects ${name}`, () => {
          expect(verifySign(cancelInput(signMethod), sign)).to.equal(false);
        });
      }

      it("describes the signed string with the secret masked, never in clear", () => {
        const described = describeSignedString({ params: cancelParams(signMethod), body: CANCEL_BODY, signMethod });
        const payload =
          `app_key12345678customerIdstub-cust-codeformatxmlmethodtaobao.qimen.order.cancelsign_method${signMethod}` +
          `timestamp2024-03-01 12:00:00v2.0${CANCEL_BODY}`;
        // Only md5 wraps the payload in the secret; the HMACs use it as key.
        expect(described).to.equal(signMethod === "md5" ? `<secret>${payload}<secret>` : payload);
        expect(described).not.to.contain(SANDBOX_SECRET);
      });
    });
  }

  it("describes a byte body exactly as the same body given as a string", () => {
    const params = cancelParams("md5");
    expect(describeSignedString({ params, body: Buffer.from(CANCEL_BODY, "utf8") }, "***")).to.equal(
      describeSignedString({ params, body: CANCEL_BODY }, "***"),
    );
  });

  it("accepts params as a list of pairs, with the same sign as a record", () => {
    expect(computeSign({ ...cancelInput("md5"), params: Object.entries(cancelParams("md5")) })).to.equal(
      EXPECTED_CANCEL_SIGNS.md5,
    );
  });

  describe("canonicalParams", () => {
    it("sorts keys by UTF-16 code unit: upper case, then '_', then lower case, then CJK", () => {
      // localeCompare would give "a1B2_c3Z4中5"; TOP sorts like Java's String.compareTo.
      expect(canonicalParams({ a: "1", 中: "5", _c: "3", Z: "4", B: "2" })).to.equal("B2Z4_c3a1中5");
    });

    it("sorts appKey before app_key because 'K' (0x4B) precedes '_' (0x5F)", () => {
      expect(canonicalParams({ app_key: "1", appKey: "2", customerId: "3", format: "4" })).to.equal(
        "appKey2app_key1customerId3format4",
      );
    });

    it("joins keys and values without separators and keeps the timestamp's real space", () => {
      expect(canonicalParams(cancelParams("md5"))).to.equal(
        "app_key12345678customerIdstub-cust-codeformatxmlmethodtaobao.qimen.order.cancelsign_methodmd5" +
          "timestamp2024-03-01 12:00:00v2.0",
      );
    });
  });

  it("throws a RangeError naming the methods for an unknown sign method", () => {
    const input = { ...cancelInput("md5"), signMethod: "sha1" as SignMethod };
    expect(() => computeSign(input)).to.throw(
      RangeError,
      /unknown sign_method "sha1": use one of md5, hmac, hmac-sha256/,
    );
  });
});
