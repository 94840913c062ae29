import { expect } from "chai";
import {
  decodeResponse,
  encodeResponse,
  QimenError,
  type DecodedResponse,
  type OrderCancelResponse,
  type QimenErrorCode,
  type ResponseFlag,
  type XmlLimits,
} from "../../src/protocol/index.js";
import { expectQimenError } from "./qimen-error-assertions.js";

function envelope(flag: ResponseFlag, code: string, message: string): string {
  return `<response><flag>${flag}</flag><code>${code}</code><message>${message}</message></response>`;
}

const ACCEPTED: { readonly name: string; readonly body: string | Uint8Array; readonly decoded: DecodedResponse }[] = [
  {
    name: "a code-less <response> holding only <flag>success</flag>",
    body: "<response><flag>success</flag></response>",
    decoded: { flag: "success", source: "wms" },
  },
  {
    name: "a code-less failure",
    body: "<response><flag>failure</flag></response>",
    decoded: { flag: "failure", source: "wms" },
  },
  {
    name: 'a standalone="yes" declaration',
    body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>${envelope("success", "0", "ok")}`,
    decoded: { flag: "success", source: "wms", code: "0", message: "ok" },
  },
  {
    name: "the spec's pretty-printed 响应示例",
    body: "<response>\n    <flag>success</flag>\n    <code>0</code>\n    <message>invalid appkey</message>\n</response>",
    decoded: { flag: "success", source: "wms", code: "0", message: "invalid appkey" },
  },
  {
    name: "CRLF pretty-printing with a declaration",
    body: '<?xml version="1.0" encoding="utf-8"?>\r\n<response>\r\n\t<flag>success</flag>\r\n\t<code>0</code>\r\n</response>\r\n',
    decoded: { flag: "success", source: "wms", code: "0" },
  },
  {
    name: "success code 0000",
    body: envelope("success", "0000", "成功"),
    decoded: { flag: "success", source: "wms", code: "0000", message: "成功" },
  },
  {
    name: "the literal null as code and message",
    body: envelope("success", "null", "null"),
    decoded: { flag: "success", source: "wms" },
  },
  {
    name: "a WMS failure with its own code and a Chinese message",
    body: envelope("failure", "-1", "单据已发货，不能取消"),
    decoded: { flag: "failure", source: "wms", code: "-1", message: "单据已发货，不能取消" },
  },
  {
    name: "a body given as UTF-8 bytes with a byte-order mark",
    body: Buffer.from(`\uFEFF${envelope("failure", "4001", "订单不存在")}`, "utf8"),
    decoded: { flag: "failure", source: "wms", code: "4001", message: "订单不存在" },
  },
  {
    name: "TOP15 with isp.http-connection-timeout",
    body: envelope("failure", "TOP15", "Remote service error | isp.http-connection-timeout"),
    decoded: {
      flag: "failure",
      source: "gateway",
      code: "TOP15",
      message: "Remote service error | isp.http-connection-timeout",
      delivery: { ispCode: "isp.http-connection-timeout", outcome: "not-reached" },
    },
  },
  {
    name: "TOP15 with isp.http-connection-refuse",
    body: envelope("failure", "TOP15", "Remote service error | isp.http-connection-refuse"),
    decoded: {
      flag: "failure",
      source: "gateway",
      code: "TOP15",
      message: "Remote service error | isp.http-connection-refuse",
      delivery: { ispCode: "isp.http-connection-refuse", outcome: "not-reached" },
    },
  },
  {
    name: "TOP15 with isp.http-read-timeout",
    body: envelope("failure", "TOP15", "Remote service error | isp.http-read-timeout"),
    decoded: {
      flag: "failure",
      source: "gateway",
      code: "TOP15",
      message: "Remote service error | isp.http-read-timeout",
      delivery: { ispCode: "isp.http-read-timeout", outcome: "maybe-applied" },
    },
  },
  {
    name: "TOP15 with isp.http-closed",
    body: envelope("failure", "TOP15", "Remote service error | isp.http-closed"),
    decoded: {
      flag: "failure",
      source: "gateway",
      code: "TOP15",
      message: "Remote service error | isp.http-closed",
      delivery: { ispCode: "isp.http-closed", outcome: "unknown" },
    },
  },
  {
    name: "TOP15 without an isp.http-* message",
    body: envelope("failure", "TOP15", "Remote service error"),
    decoded: {
      flag: "failure",
      source: "gateway",
      code: "TOP15",
      message: "Remote service error",
      delivery: { outcome: "unknown" },
    },
  },
  {
    name: "TOP60, a client error that says nothing about delivery",
    body: envelope("failure", "TOP60", "Invalid signature"),
    decoded: { flag: "failure", source: "gateway", code: "TOP60", message: "Invalid signature" },
  },
  {
    name: "TOP1, the gateway's internal error",
    body: envelope("failure", "TOP1", "System error"),
    decoded: { flag: "failure", source: "gateway", code: "TOP1", message: "System error" },
  },
  {
    name: "the spec's 异常示例 <error_response>",
    body:
      "<error_response>\n    <code>50</code>\n    <msg>Remote service error</msg>\n" +
      "    <sub_code>isv.invalid-parameter</sub_code>\n    <sub_msg>非法参数</sub_msg>\n</error_response>",
    decoded: {
      flag: "failure",
      source: "top-error-response",
      code: "50",
      message: "Remote service error: 非法参数",
      subCode: "isv.invalid-parameter",
    },
  },
  {
    name: "an <error_response> whose sub_code is isp.http-read-timeout",
    body: "<error_response><code>15</code><msg>Remote service error</msg><sub_code>isp.http-read-timeout</sub_code></error_response>",
    decoded: {
      flag: "failure",
      source: "top-error-response",
      code: "15",
      message: "Remote service error",
      subCode: "isp.http-read-timeout",
      delivery: { ispCode: "isp.http-read-timeout", outcome: "maybe-applied" },
    },
  },
  {
    name: "a flag and message wrapped in XML white space (space, tab, CR, LF), trimmed",
    body: "<response><flag> \t\r\nsuccess\n </flag><message>\t 已取消 \r\n</message></response>",
    decoded: { flag: "success", source: "wms", message: "已取消" },
  },
  {
    name: "a message framed by U+00A0, U+3000 and U+FEFF, kept: they are content, not XML white space",
    body: "<response><flag>success</flag><message>\u00A0已取消\u3000\uFEFF</message></response>",
    decoded: { flag: "success", source: "wms", message: "\u00A0已取消\u3000\uFEFF" },
  },
];

const NGINX_502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
  "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

const UNRECOGNISED: { readonly name: string; readonly body: string | Uint8Array; readonly message: RegExp }[] = [
  {
    name: "a <response> without <flag>",
    body: "<response><code>0</code></response>",
    message: /<response> has no <flag>/,
  },
  { name: "flag Success", body: "<response><flag>Success</flag></response>", message: /got "Success"/ },
  { name: "flag SUCCESS", body: "<response><flag>SUCCESS</flag></response>", message: /got "SUCCESS"/ },
  { name: "flag ok", body: "<response><flag>ok</flag></response>", message: /got "ok"/ },
  {
    name: "a flag followed by U+00A0, which is content, not XML white space",
    body: "<response><flag>success\u00A0</flag></response>",
    message: /got "success\u00A0"/,
  },
  {
    name: "a flag after U+3000, which is content, not XML white space",
    body: "<response><flag>\u3000success</flag></response>",
    message: /got "\u3000success"/,
  },
  {
    name: "a flag followed by U+FEFF, which is content, not XML white space",
    body: "<response><flag>success\uFEFF</flag></response>",
    message: /got "success\uFEFF"/,
  },
  { name: "flag true", body: "<response><flag>true</flag></response>", message: /got "true"/ },
  {
    name: "an empty flag",
    body: "<response><flag/></response>",
    message: /must be exactly "success" or "failure", got ""/,
  },
  {
    name: "a flag holding elements",
    body: "<response><flag><value>success</value></flag></response>",
    message: /<flag> must be exactly "success" or "failure"/,
  },
  {
    name: "a duplicated flag",
    body: "<response><flag>success</flag><flag>failure</flag></response>",
    message: /<response> contains <flag> more than once/,
  },
  {
    name: "the wrong root element",
    body: "<result><flag>success</flag></result>",
    message: /expected root <response>, got <result>/,
  },
  {
    name: "a request echoed back",
    body: "<request><warehouseCode>W1</warehouseCode><orderCode>O1</orderCode></request>",
    message: /expected root <response>, got <request>/,
  },
  {
    name: "a JSON body",
    body: '{"response":{"flag":"success","code":"0"}}',
    message: /not readable XML \(XML body has text before the root element \(starting with "\{/,
  },
  {
    name: "an nginx 502 HTML page",
    body: NGINX_502,
    message:
      /^Not a Qimen order.cancel response: body is not readable XML \(it is an HTML page \(title "502 Bad Gateway"\)\)$/,
  },
  {
    name: "an HTML5 error page",
    body: "<!DOCTYPE html><html><body><p>Service&nbsp;Unavailable</p></body></html>",
    message: /^Not a Qimen order.cancel response: body is not readable XML \(it is an HTML page\)$/,
  },
  {
    name: "a well-formed XHTML page",
    body: "<html><body>502</body></html>",
    message: /expected root <response>, got <html>/,
  },
  { name: "plain text", body: "Internal Server Error", message: /not readable XML/ },
  { name: "an empty body", body: "", message: /not readable XML \(XML body is empty/ },
  {
    name: "a 100 KB root name, quoted only in part",
    body: `<${"r".repeat(100_000)}/>`,
    message: new RegExp(`^Not a Qimen order.cancel response: expected root <response>, got <${"r".repeat(80)}…>$`),
  },
  {
    name: "a 100 KB flag, quoted only in part",
    body: `<response><flag>${"s".repeat(100_000)}</flag></response>`,
    message: new RegExp(`must be exactly "success" or "failure", got "${"s".repeat(80)}…"$`),
  },
];

describe("order.cancel response codec", () => {
  describe("decodeResponse accepts every variant real WMSs and the gateway send", () => {
    for (const { name, body, decoded } of ACCEPTED) {
      it(`decodes ${name}`, () => {
        expect(decodeResponse(body)).to.deep.equal(decoded);
      });
    }
  });

  describe("decodeResponse rejects anything else as QIMEN_RESPONSE_UNRECOGNISED", () => {
    for (const { name, body, message } of UNRECOGNISED) {
      it(`rejects ${name}`, () => {
        expectQimenError(() => decodeResponse(body), "QIMEN_RESPONSE_UNRECOGNISED", message);
      });
    }

    const UNREADABLE: {
      readonly name: string;
      readonly body: string;
      readonly limits?: XmlLimits;
      readonly xmlError: QimenErrorCode;
    }[] = [
      { name: "a JSON body", body: "{}", xmlError: "QIMEN_XML_MALFORMED" },
      { name: "a DOCTYPE", body: "<!DOCTYPE html><html/>", xmlError: "QIMEN_XML_DTD_FORBIDDEN" },
      {
        name: "a body over the size limit",
        body: envelope("success", "0", "x".repeat(100)),
        limits: { maxBytes: 64, maxDepth: 16 },
        xmlError: "QIMEN_XML_TOO_LARGE",
      },
    ];
    for (const { name, body, limits, xmlError } of UNREADABLE) {
      it(`keeps the XML error of ${name} as cause and context.xmlError`, () => {
        const error = expectQimenError(
          () => decodeResponse(body, limits),
          "QIMEN_RESPONSE_UNRECOGNISED",
          /not readable/,
        );
        expect(error.cause).to.be.instanceOf(QimenError);
        expect({ cause: (error.cause as QimenError).code, context: error.context["xmlError"] }).to.deep.equal({
          cause: xmlError,
          context: xmlError,
        });
      });
    }
  });

  describe("encodeResponse", () => {
    it("writes the envelope the spec shows, escaping markup in the message", () => {
      expect(encodeResponse({ flag: "failure", code: "-1", message: "已发货 <&>" })).to.equal(
        '<?xml version="1.0" encoding="utf-8"?><response><flag>failure</flag><code>-1</code>' +
          "<message>已发货 &lt;&amp;&gt;</message></response>",
      );
    });

    const RESPONSES: OrderCancelResponse[] = [
      { flag: "success" },
      { flag: "failure" },
      { flag: "success", code: "0", message: "取消成功" },
      { flag: "success", code: "0000" },
      { flag: "failure", code: "-2", message: "Illegal request" },
      { flag: "failure", code: "4001", message: '单据不存在 & <已删除> "引号" 😀' },
    ];
    for (const response of RESPONSES) {
      it(`decodes its encoding of ${JSON.stringify(response)} back to the same response`, () => {
        expect(decodeResponse(encodeResponse(response))).to.deep.equal({ ...response, source: "wms" });
      });
    }

    for (const field of ["code", "message"] as const) {
      it(`throws a TypeError naming response.${field} when it holds a character XML cannot carry`, () => {
        expect(() => encodeResponse({ flag: "failure", [field]: "bad\u0001" })).to.throw(
          TypeError,
          `response.${field} contains U+0001 at index 3, which XML cannot carry even escaped: remove or replace it`,
        );
      });
    }

    for (const flag of ["SUCCESS", "ok", ""]) {
      it(`throws a TypeError for the flag ${JSON.stringify(flag)}`, () => {
        expect(() => encodeResponse({ flag } as unknown as OrderCancelResponse)).to.throw(
          TypeError,
          /flag must be "success" or "failure"/,
        );
      });
    }
  });
});
