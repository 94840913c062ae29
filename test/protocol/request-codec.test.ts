import { expect } from "chai";
import {
  decodeCancelRequest,
  encodeCancelRequest,
  isKnownOrderType,
  ORDER_TYPE_CODES,
  ORDER_TYPES,
  orderTypeName,
  type OrderCancelRequest,
} from "../../src/protocol/index.js";
import { expectQimenError } from "./qimen-error-assertions.js";

const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** Every field of the spec page plus the legacy remark, values from the spec's Java example. */
const FULL_REQUEST: OrderCancelRequest = {
  warehouseCode: "W1234",
  ownerCode: "H1234",
  orderCode: "O1234",
  orderId: "WQ1234",
  orderType: "JYCK",
  cancelReason: "已经退货",
  extendProps: { channel: "天猫", priority: "00123" },
  subSourceOrders: [{ subSourceOrderCode: "21324234" }, { subSourceOrderCode: "21324235" }],
  remark: "备注",
};

/** Wraps field XML in a request that already has both required fields, unless the fields give them. */
function requestXml(fields: string): string {
  const required =
    (fields.includes("<warehouseCode>") ? "" : "<warehouseCode>W1</warehouseCode>") +
    (fields.includes("<orderCode>") ? "" : "<orderCode>O1</orderCode>");
  return `<request>${required}${fields}</request>`;
}

describe("order.cancel request codec", () => {
  describe("round trip", () => {
    it("decodes its own encoding of every spec field back to the same request, without warnings", () => {
      expect(decodeCancelRequest(encodeCancelRequest(FULL_REQUEST))).to.deep.equal({
        request: FULL_REQUEST,
        warnings: [],
      });
    });

    it("encodes fields in the spec's order, list items as <subSourceOrder>", () => {
      expect(encodeCancelRequest(FULL_REQUEST)).to.equal(
        DECLARATION +
          "<request><warehouseCode>W1234</warehouseCode><ownerCode>H1234</ownerCode><orderCode>O1234</orderCode>" +
          "<orderId>WQ1234</orderId><orderType>JYCK</orderType><cancelReason>已经退货</cancelReason>" +
          "<extendProps><channel>天猫</channel><priority>00123</priority></extendProps>" +
          "<subSourceOrders><subSourceOrder><subSourceOrderCode>21324234</subSourceOrderCode></subSourceOrder>" +
          "<subSourceOrder><subSourceOrderCode>21324235</subSourceOrderCode></subSourceOrder></subSourceOrders>" +
          "<remark>备注</remark></request>",
      );
    });

    it("round-trips a request holding only the required fields and emits nothing else", () => {
      const minimal: OrderCancelRequest = { warehouseCode: "OTHER", orderCode: "O1" };
      const xml = encodeCancelRequest(minimal);
      expect(xml).to.equal(
        `${DECLARATION}<request><warehouseCode>OTHER</warehouseCode><orderCode>O1</orderCode></request>`,
      );
      expect(decodeCancelRequest(xml)).to.deep.equal({ request: minimal, warnings: [] });
    });

    it("round-trips an empty extendProps map and an item without a code", () => {
      const request: OrderCancelRequest = {
        warehouseCode: "W1",
        orderCode: "O1",
        extendProps: {},
        subSourceOrders: [{}],
      };
      expect(decodeCancelRequest(encodeCancelRequest(request)).request).to.deep.equal(request);
    });

    const TEXTS = [
      "已经退货",
      "客户要求取消，原因：地址错误（重复下单）",
      "𠮷野家 😀 astral",
      "中文 & <标签> \"引号\" 'apostrophe'",
      // Not XML white space, so content: neither blank nor trimmed.
      "\u00A0",
      "\u3000全角空格\u3000",
      "\uFEFFx\u00A0",
    ];
    for (const text of TEXTS) {
      it(`round-trips ${JSON.stringify(text)} in every text position, from a string and from UTF-8 bytes`, () => {
        const request: OrderCancelRequest = {
          warehouseCode: text,
          orderCode: text,
          cancelReason: text,
          extendProps: { note: text },
          subSourceOrders: [{ subSourceOrderCode: text }],
          remark: text,
        };
        const xml = encodeCancelRequest(request);
        const expected = { request, warnings: [] };
        expect(decodeCancelRequest(xml)).to.deep.equal(expected);
        expect(decodeCancelRequest(Buffer.from(xml, "utf8"))).to.deep.equal(expected);
      });
    }
  });

  describe("values stay strings", () => {
    // Each of these becomes a number, boolean or null if the parser ever converts values.
    const VALUES = ["0", "00123", "1e3", "-0", "1.50", "0x1F", "true", "null", "+86"];
    for (const value of VALUES) {
      it(`keeps ${JSON.stringify(value)} unchanged in text fields, extendProps and subSourceOrderCode`, () => {
        const xml = requestXml(
          `<orderId>${value}</orderId><cancelReason>${value}</cancelReason>` +
            `<extendProps><value>${value}</value></extendProps>` +
            `<subSourceOrders><subSourceOrder><subSourceOrderCode>${value}</subSourceOrderCode></subSourceOrder></subSourceOrders>`,
        );
        expect(decodeCancelRequest(xml).request).to.deep.equal({
          warehouseCode: "W1",
          orderCode: "O1",
          orderId: value,
          cancelReason: value,
          extendProps: { value },
          subSourceOrders: [{ subSourceOrderCode: value }],
        });
      });
    }
  });

  describe("entities and CDATA", () => {
    const CASES: { readonly raw: string; readonly text: string }[] = [
      { raw: "a&lt;b&gt;c", text: "a<b>c" },
      { raw: "R&amp;D", text: "R&D" },
      { raw: "&quot;q&quot; &apos;a&apos;", text: "\"q\" 'a'" },
      { raw: "&amp;lt;", text: "&lt;" },
      { raw: "&#x4E2D;&#x4e2d;", text: "中中" },
      { raw: "&#20013;&#25991;", text: "中文" },
      { raw: "&#x1F600;&#128512;", text: "😀😀" },
      { raw: "𠮷😀", text: "𠮷😀" },
      { raw: "<![CDATA[a<b & c>d]]>", text: "a<b & c>d" },
      { raw: "<![CDATA[&amp; stays]]>", text: "&amp; stays" },
      { raw: "<![CDATA[<!DOCTYPE x>]]>", text: "<!DOCTYPE x>" },
      { raw: "取消&amp;<![CDATA[<退货>]]>", text: "取消&<退货>" },
      { raw: "  padded  ", text: "padded" },
    ];
    for (const { raw, text } of CASES) {
      it(`decodes ${raw} to ${JSON.stringify(text)}`, () => {
        expect(decodeCancelRequest(requestXml(`<cancelReason>${raw}</cancelReason>`)).request.cancelReason).to.equal(
          text,
        );
      });
    }
  });

  describe("subSourceOrders", () => {
    const CASES: { readonly name: string; readonly items: string }[] = [
      { name: "camelCase <subSourceOrder> items", items: "subSourceOrder,subSourceOrder" },
      { name: "snake_case <sub_source_order> items", items: "sub_source_order,sub_source_order" },
      { name: "a mix of both item names", items: "sub_source_order,subSourceOrder" },
    ];
    for (const { name, items } of CASES) {
      it(`accepts ${name} and re-encodes them as <subSourceOrder>`, () => {
        const [first, second] = items.split(",");
        const xml = requestXml(
          `<subSourceOrders><${first}><subSourceOrderCode>S1</subSourceOrderCode></${first}>` +
            `<${second}><subSourceOrderCode>S2</subSourceOrderCode></${second}></subSourceOrders>`,
        );
        const { request } = decodeCancelRequest(xml);
        expect(request.subSourceOrders).to.deep.equal([{ subSourceOrderCode: "S1" }, { subSourceOrderCode: "S2" }]);
        expect(encodeCancelRequest(request)).to.contain(
          "<subSourceOrders><subSourceOrder><subSourceOrderCode>S1</subSourceOrderCode></subSourceOrder>" +
            "<subSourceOrder><subSourceOrderCode>S2</subSourceOrderCode></subSourceOrder></subSourceOrders>",
        );
      });
    }

    it("rejects an item that is neither <subSourceOrder> nor <sub_source_order>", () => {
      const error = expectQimenError(
        () =>
          decodeCancelRequest(
            requestXml("<subSourceOrders><item><subSourceOrderCode>S1</subSourceOrderCode></item></subSourceOrders>"),
          ),
        "QIMEN_FIELD_INVALID",
        /<subSourceOrders> may only contain <subSourceOrder> \(or <sub_source_order>\) items, got <item>/,
      );
      expect(error.context).to.deep.equal({ field: "request.subSourceOrders.item" });
    });
  });

  it("decodes the legacy <remark> the spec's Java example still sets", () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<request>\n  <warehouseCode>W1234</warehouseCode>\n' +
      "  <orderCode>O1234</orderCode>\n  <remark>备注</remark>\n</request>\n";
    expect(decodeCancelRequest(xml)).to.deep.equal({
      request: { warehouseCode: "W1234", orderCode: "O1234", remark: "备注" },
      warnings: [],
    });
  });

  it("warns about, and drops, elements the spec does not define", () => {
    const decoded = decodeCancelRequest(requestXml("<priority>high</priority>"));
    expect(decoded).to.deep.equal({
      request: { warehouseCode: "W1", orderCode: "O1" },
      warnings: ["unknown element <priority> in <request> ignored"],
    });
  });

  describe("orderType", () => {
    it("knows exactly the 19 codes of the spec page, with the spec's Chinese names", () => {
      // Copied by hand from the spec page's orderType description (spaces after "=" dropped).
      expect(ORDER_TYPES).to.deep.equal({
        JYCK: "一般交易出库单",
        HHCK: "换货出库",
        BFCK: "补发出库",
        PTCK: "普通出库单",
        DBCK: "调拨出库",
        B2BRK: "B2B入库",
        B2BCK: "B2B出库",
        QTCK: "其他出库",
        SCRK: "生产入库",
        LYRK: "领用入库",
        CCRK: "残次品入库",
        CGRK: "采购入库",
        DBRK: "调拨入库",
        QTRK: "其他入库",
        XTRK: "销退入库",
        THRK: "退货入库",
        HHRK: "换货入库",
        CNJG: "仓内加工单",
        CGTH: "采购退货出库单",
      });
      expect(ORDER_TYPE_CODES).to.have.lengthOf(19);
    });

    for (const code of ORDER_TYPE_CODES) {
      it(`accepts ${code} without a warning and names it ${ORDER_TYPES[code]}`, () => {
        expect(decodeCancelRequest(requestXml(`<orderType>${code}</orderType>`))).to.deep.equal({
          request: { warehouseCode: "W1", orderCode: "O1", orderType: code },
          warnings: [],
        });
        expect({ known: isKnownOrderType(code), name: orderTypeName(code) }).to.deep.equal({
          known: true,
          name: ORDER_TYPES[code],
        });
      });
    }

    it("quotes at most 80 characters of an unknown code, never half of a surrogate pair", () => {
      const code = `a${"😀".repeat(100)}`;
      expect(decodeCancelRequest(requestXml(`<orderType>${code}</orderType>`)).warnings).to.deep.equal([
        `orderType "a${"😀".repeat(39)}…" is not one of the 19 codes of the order.cancel spec; kept as sent`,
      ]);
    });

    // Codes seen in real traffic but absent from the spec, plus a near miss in the wrong case.
    for (const code of ["PTRK", "SCCK", "jyck", "toString"]) {
      it(`keeps the unknown code ${code} as sent and reports one warning naming it`, () => {
        const decoded = decodeCancelRequest(requestXml(`<orderType>${code}</orderType>`));
        expect(decoded).to.deep.equal({
          request: { warehouseCode: "W1", orderCode: "O1", orderType: code },
          warnings: [`orderType "${code}" is not one of the 19 codes of the order.cancel spec; kept as sent`],
        });
        expect({ known: isKnownOrderType(code), name: orderTypeName(code) }).to.deep.equal({
          known: false,
          name: undefined,
        });
      });
    }
  });

  describe("extendProps", () => {
    it("decodes to a plain string map, empty elements as empty strings", () => {
      const { request } = decodeCancelRequest(
        requestXml("<extendProps><key1>v1</key1><key2>2</key2><empty/><blank></blank></extendProps>"),
      );
      expect(request.extendProps).to.deep.equal({ key1: "v1", key2: "2", empty: "", blank: "" });
      expect(Object.getPrototypeOf(request.extendProps)).to.equal(Object.prototype);
    });

    it("keeps keys that shadow Object.prototype methods exactly as sent", () => {
      const props = { toString: "a", hasOwnProperty: "b", valueOf: "c", __defineGetter__: "d" };
      const request: OrderCancelRequest = { warehouseCode: "W1", orderCode: "O1", extendProps: props };
      expect(decodeCancelRequest(encodeCancelRequest(request)).request.extendProps).to.deep.equal(props);
    });
  });

  describe("encode rejects requests no WMS could accept", () => {
    const base = { warehouseCode: "W1", orderCode: "O1" };
    const CASES: { readonly name: string; readonly request: unknown; readonly message: RegExp }[] = [
      { name: "missing warehouseCode", request: { orderCode: "O1" }, message: /needs a non-empty warehouseCode/ },
      { name: "missing orderCode", request: { warehouseCode: "W1" }, message: /needs a non-empty orderCode/ },
      { name: "empty orderCode", request: { ...base, orderCode: "" }, message: /needs a non-empty orderCode/ },
      { name: "blank warehouseCode", request: { ...base, warehouseCode: "  " }, message: /non-empty warehouseCode/ },
      {
        name: "a warehouseCode of XML white space only",
        request: { ...base, warehouseCode: " \t\r\n" },
        message: /non-empty warehouseCode/,
      },
      { name: "numeric orderCode", request: { ...base, orderCode: 123 }, message: /needs a non-empty orderCode/ },
      { name: "extendProps key with a space", request: { ...base, extendProps: { "a b": "1" } }, message: /"a b"/ },
      {
        name: "extendProps key starting with a digit",
        request: { ...base, extendProps: { "1a": "1" } },
        message: /"1a"/,
      },
      {
        name: "empty extendProps key",
        request: { ...base, extendProps: { "": "1" } },
        message: /key "" is not a valid/,
      },
      { name: "extendProps key with markup", request: { ...base, extendProps: { "a<b": "1" } }, message: /"a<b"/ },
      {
        name: "extendProps key __proto__",
        request: { ...base, extendProps: JSON.parse('{"__proto__":"1"}') as unknown },
        message: /"__proto__" is reserved/,
      },
      {
        name: "extendProps key constructor",
        request: { ...base, extendProps: { constructor: "1" } },
        message: /reserved/,
      },
    ];
    for (const { name, request, message } of CASES) {
      it(`throws a TypeError for ${name}`, () => {
        expect(() => encodeCancelRequest(request as OrderCancelRequest)).to.throw(TypeError, message);
      });
    }

    // Characters XML 1.0 cannot carry at all, escaped or not: a receiver would reject the whole body.
    const ILLEGAL: { readonly char: string; readonly codePoint: string }[] = [
      { char: "\u0000", codePoint: "U+0000" },
      { char: "\u0001", codePoint: "U+0001" },
      { char: "\uFFFE", codePoint: "U+FFFE" },
      { char: "\uD800", codePoint: "U+D800" },
    ];
    const POSITIONS: { readonly field: string; readonly request: (text: string) => OrderCancelRequest }[] = [
      { field: "request.orderCode", request: (text) => ({ ...base, orderCode: `O${text}` }) },
      { field: "request.cancelReason", request: (text) => ({ ...base, cancelReason: `a${text}` }) },
      { field: "request.extendProps.note", request: (text) => ({ ...base, extendProps: { note: `a${text}` } }) },
      {
        field: "request.subSourceOrders.subSourceOrder[1].subSourceOrderCode",
        request: (text) => ({
          ...base,
          subSourceOrders: [{ subSourceOrderCode: "S1" }, { subSourceOrderCode: `S${text}` }],
        }),
      },
      { field: "request.remark", request: (text) => ({ ...base, remark: `a${text}` }) },
    ];
    for (const { char, codePoint } of ILLEGAL) {
      for (const { field, request } of POSITIONS) {
        it(`throws a TypeError naming ${field} when it holds ${codePoint}`, () => {
          expect(() => encodeCancelRequest(request(char))).to.throw(
            TypeError,
            `${field} contains ${codePoint} at index 1, which XML cannot carry even escaped: remove or replace it`,
          );
        });
      }
    }
  });

  describe("text directly inside a container", () => {
    const CONTAINERS: {
      readonly name: string;
      readonly xml: string;
      readonly request: Partial<OrderCancelRequest>;
      readonly warning: string;
    }[] = [
      {
        name: "<subSourceOrders>",
        xml: "<subSourceOrders>S1</subSourceOrders>",
        request: { subSourceOrders: [] },
        warning: 'text "S1" directly inside request.subSourceOrders ignored: it holds <subSourceOrder> items, not text',
      },
      {
        name: "<extendProps>",
        xml: "<extendProps>channel=tmall<priority>1</priority></extendProps>",
        request: { extendProps: { priority: "1" } },
        warning:
          'text "channel=tmall" directly inside request.extendProps ignored: it holds one element per property, not text',
      },
    ];
    for (const { name, xml, request, warning } of CONTAINERS) {
      it(`is dropped from ${name} with a warning saying so`, () => {
        expect(decodeCancelRequest(requestXml(xml))).to.deep.equal({
          request: { warehouseCode: "W1", orderCode: "O1", ...request },
          warnings: [warning],
        });
      });
    }
  });
});
