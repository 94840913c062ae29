import { expect } from "chai";
import {
  decodeCancelRequest,
  DEFAULT_XML_LIMITS,
  MAX_XML_DEPTH,
  parseXml,
  type QimenErrorCode,
  type XmlLimits,
} from "../../src/protocol/index.js";
import { expectQimenError } from "./qimen-error-assertions.js";

const REQUIRED = "<warehouseCode>W1</warehouseCode><orderCode>O1</orderCode>";
const VALID_REQUEST = `<request>${REQUIRED}</request>`;

function nested(depth: number, name = "a"): string {
  return `<${name}>`.repeat(depth) + `</${name}>`.repeat(depth);
}

/** The classic "billion laughs": ten entities each expanding ten times the previous one. */
const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE request [<!ENTITY lol0 "lol">' +
  Array.from({ length: 9 }, (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level};`.repeat(10)}">`).join("") +
  `]><request><warehouseCode>&lol9;</warehouseCode><orderCode>O1</orderCode></request>`;

const ROOM_FOR_DEEP_NESTING: XmlLimits = { maxBytes: 1_000_000, maxDepth: DEFAULT_XML_LIMITS.maxDepth };

interface HostileCase {
  readonly name: string;
  readonly body: string | Uint8Array;
  readonly limits?: XmlLimits;
  readonly code: QimenErrorCode;
  readonly message: RegExp;
}

const DTD_MESSAGE = /DOCTYPE or entity declaration: DTDs are not accepted/;
const RESERVED_NAME_MESSAGE = (name: string) => new RegExp(`Invalid name: "${name}" is a reserved JavaScript keyword`);

const HOSTILE: readonly HostileCase[] = [
  {
    name: "an internal DOCTYPE entity",
    body: `<!DOCTYPE request [<!ENTITY w "W1">]><request><warehouseCode>&w;</warehouseCode><orderCode>O1</orderCode></request>`,
    code: "QIMEN_XML_DTD_FORBIDDEN",
    message: DTD_MESSAGE,
  },
  { name: "billion laughs", body: BILLION_LAUGHS, code: "QIMEN_XML_DTD_FORBIDDEN", message: DTD_MESSAGE },
  {
    name: "an external entity (XXE)",
    body: `<?xml version="1.0"?><!DOCTYPE request [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><request><warehouseCode>&xxe;</warehouseCode><orderCode>O1</orderCode></request>`,
    code: "QIMEN_XML_DTD_FORBIDDEN",
    message: DTD_MESSAGE,
  },
  {
    name: "an external parameter entity",
    body: `<!DOCTYPE request [<!ENTITY % remote SYSTEM "http://127.0.0.1/evil.dtd">%remote;]>${VALID_REQUEST}`,
    code: "QIMEN_XML_DTD_FORBIDDEN",
    message: DTD_MESSAGE,
  },
  {
    name: "an external DTD reference as UTF-8 bytes",
    body: Buffer.from(`<!DOCTYPE request SYSTEM "http://127.0.0.1/request.dtd">${VALID_REQUEST}`, "utf8"),
    code: "QIMEN_XML_DTD_FORBIDDEN",
    message: DTD_MESSAGE,
  },
  {
    name: "a body over the default size limit",
    body: `<request>${REQUIRED}<cancelReason>${"x".repeat(DEFAULT_XML_LIMITS.maxBytes)}</cancelReason></request>`,
    code: "QIMEN_XML_TOO_LARGE",
    message: /over the limit of 262144 bytes/,
  },
  {
    name: "a body one byte over a custom size limit",
    body: VALID_REQUEST,
    limits: { maxBytes: Buffer.byteLength(VALID_REQUEST) - 1, maxDepth: 16 },
    code: "QIMEN_XML_TOO_LARGE",
    message: new RegExp(
      `is ${Buffer.byteLength(VALID_REQUEST)} bytes, over the limit of ${Buffer.byteLength(VALID_REQUEST) - 1} bytes`,
    ),
  },
  {
    // 60 characters but 180 UTF-8 bytes: the limit counts bytes, not UTF-16 code units.
    name: "Chinese text under a custom limit in characters but over it in bytes",
    body: `<request>${REQUIRED}<cancelReason>${"退".repeat(60)}</cancelReason></request>`,
    limits: { maxBytes: REQUIRED.length + 60 + 40, maxDepth: 16 },
    code: "QIMEN_XML_TOO_LARGE",
    message: /over the limit of \d+ bytes/,
  },
  {
    name: "nesting one level beyond the default depth limit",
    body: `<request>${REQUIRED}<extendProps>${nested(DEFAULT_XML_LIMITS.maxDepth - 1)}</extendProps></request>`,
    code: "QIMEN_XML_TOO_DEEP",
    message: /nests elements deeper than 16 levels/,
  },
  {
    name: "nesting beyond a custom depth limit of 2",
    body: `<request>${REQUIRED}<extendProps><a>1</a></extendProps></request>`,
    limits: { maxBytes: 1024, maxDepth: 2 },
    code: "QIMEN_XML_TOO_DEEP",
    message: /deeper than 2 levels/,
  },
  {
    name: "100k-deep nesting within the size limit",
    body: nested(100_000),
    limits: ROOM_FOR_DEEP_NESTING,
    code: "QIMEN_XML_TOO_DEEP",
    message: /deeper than 16 levels/,
  },
  {
    name: "100k-deep nesting at the default limits",
    body: nested(100_000),
    code: "QIMEN_XML_TOO_LARGE",
    message: /over the limit of 262144 bytes/,
  },
  {
    name: "100k unclosed tags",
    body: "<a>".repeat(100_000),
    limits: ROOM_FOR_DEEP_NESTING,
    code: "QIMEN_XML_MALFORMED",
    // The end of the document, where it really is, not line 1, column 1 where the validator points.
    message: /^XML body ends inside <a>: it was cut off, or a closing tag is missing \(line 1, column 300001\)$/,
  },
  {
    name: "a mismatched closing tag",
    body: `<request><warehouseCode>W1</orderCode></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /not well-formed .*Expected closing tag 'warehouseCode'/,
  },
  {
    name: "an unclosed root",
    body: `<request>${REQUIRED}`,
    code: "QIMEN_XML_MALFORMED",
    message: /^XML body ends inside <request>: it was cut off, or a closing tag is missing \(line 1, column 68\)$/,
  },
  {
    name: "two root elements",
    body: VALID_REQUEST + VALID_REQUEST,
    code: "QIMEN_XML_MALFORMED",
    message: /Multiple possible root nodes/,
  },
  {
    name: "text after the root",
    body: `${VALID_REQUEST}trailing`,
    code: "QIMEN_XML_MALFORMED",
    message: /Extra text at the end/,
  },
  ...[`<request/>trailing`, `<request/><!-- c -->trailing`].map((body) => ({
    name: `text after a self-closing root: ${body}`,
    body,
    code: "QIMEN_XML_MALFORMED" as const,
    message: /text after the root element/,
  })),
  {
    name: "text before the root",
    body: `leading${VALID_REQUEST}`,
    code: "QIMEN_XML_MALFORMED",
    message:
      /^XML body has text before the root element \(starting with "leading"\): start with <\?xml or the root element \(line 1, column 1\)$/,
  },
  { name: "an empty body", body: "", code: "QIMEN_XML_MALFORMED", message: /XML body is empty/ },
  { name: "a whitespace-only body", body: " \r\n\t", code: "QIMEN_XML_MALFORMED", message: /XML body is empty/ },
  { name: "an empty byte array", body: new Uint8Array(0), code: "QIMEN_XML_MALFORMED", message: /XML body is empty/ },
  {
    name: "a declaration without a root",
    body: '<?xml version="1.0" encoding="utf-8"?>',
    code: "QIMEN_XML_MALFORMED",
    message: /^XML body is not well-formed at line 1: Start tag expected/,
  },
  {
    name: "the wrong root element",
    body: `<response>${REQUIRED}</response>`,
    code: "QIMEN_XML_WRONG_ROOT",
    message: /must have root <request>, got <response>/,
  },
  {
    name: "a duplicated request field",
    body: `<request>${REQUIRED}<orderCode>O2</orderCode></request>`,
    code: "QIMEN_FIELD_DUPLICATE",
    message: /<request> contains <orderCode> more than once/,
  },
  {
    name: "a duplicated extendProps key",
    body: `<request>${REQUIRED}<extendProps><channel>a</channel><channel>b</channel></extendProps></request>`,
    code: "QIMEN_FIELD_DUPLICATE",
    message: /<extendProps> contains <channel> more than once/,
  },
  {
    name: "a duplicated subSourceOrderCode in one item",
    body: `<request>${REQUIRED}<subSourceOrders><subSourceOrder><subSourceOrderCode>1</subSourceOrderCode><subSourceOrderCode>2</subSourceOrderCode></subSourceOrder></subSourceOrders></request>`,
    code: "QIMEN_FIELD_DUPLICATE",
    message: /<subSourceOrder> contains <subSourceOrderCode> more than once/,
  },
  {
    name: "a missing orderCode",
    body: "<request><warehouseCode>W1</warehouseCode></request>",
    code: "QIMEN_FIELD_MISSING",
    message: /missing the required field <orderCode>/,
  },
  {
    name: "a missing warehouseCode",
    body: "<request><orderCode>O1</orderCode></request>",
    code: "QIMEN_FIELD_MISSING",
    message: /missing the required field <warehouseCode>/,
  },
  {
    name: "an empty required field",
    body: "<request><warehouseCode>W1</warehouseCode><orderCode> </orderCode></request>",
    code: "QIMEN_FIELD_MISSING",
    message: /missing the required field <orderCode>/,
  },
  {
    name: "a request field holding elements instead of text",
    body: "<request><warehouseCode><code>W1</code></warehouseCode><orderCode>O1</orderCode></request>",
    code: "QIMEN_FIELD_INVALID",
    message: /<warehouseCode> must hold text, but contains <code>/,
  },
  {
    name: "an extendProps value holding elements",
    body: `<request>${REQUIRED}<extendProps><channel><name>tmall</name></channel></extendProps></request>`,
    code: "QIMEN_FIELD_INVALID",
    message: /<channel> must hold text, but contains <name>/,
  },
  {
    name: "a remark holding elements",
    body: `<request>${REQUIRED}<remark><b>!</b></remark></request>`,
    code: "QIMEN_FIELD_INVALID",
    message: /<remark> must hold text, but contains <b>/,
  },
  {
    name: "invalid UTF-8 bytes",
    body: Buffer.concat([
      Buffer.from("<request><warehouseCode>"),
      Buffer.from([0xff, 0xfe]),
      Buffer.from("</warehouseCode></request>"),
    ]),
    code: "QIMEN_XML_ENCODING",
    message: /not valid UTF-8/,
  },
  {
    name: "an overlong UTF-8 encoding of '/'",
    body: Buffer.concat([Buffer.from("<request>"), Buffer.from([0xc0, 0xaf]), Buffer.from("</request>")]),
    code: "QIMEN_XML_ENCODING",
    message: /not valid UTF-8/,
  },
  {
    name: "a UTF-8-encoded lone surrogate",
    body: Buffer.concat([Buffer.from("<request>"), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from("</request>")]),
    code: "QIMEN_XML_ENCODING",
    message: /not valid UTF-8/,
  },
  {
    name: "an undefined entity",
    body: `<request>${REQUIRED}<cancelReason>a&nbsp;b</cancelReason></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /<cancelReason> uses the undefined entity "&nbsp;"/,
  },
  {
    name: "a bare ampersand",
    body: `<request>${REQUIRED}<cancelReason>R & D</cancelReason></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /char '&' is not expected/,
  },
  {
    name: "a character reference to NUL",
    body: `<request>${REQUIRED}<cancelReason>&#0;</cancelReason></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /<cancelReason> contains "&#0;", which is not a legal XML character/,
  },
  {
    name: "a character reference to a lone surrogate",
    body: `<request>${REQUIRED}<cancelReason>&#xD800;</cancelReason></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /"&#xD800;", which is not a legal XML character/,
  },
  {
    name: "a character reference beyond Unicode",
    body: `<request>${REQUIRED}<cancelReason>&#99999999999999999999;</cancelReason></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /not a legal XML character/,
  },
  // Raw characters XML forbids are as illegal as references to them (XML 1.0 "Char").
  {
    name: "a raw U+0001 in a field",
    body: `<request>${REQUIRED}<cancelReason>a\u0001b</cancelReason></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^<cancelReason> contains U\+0001, which is not a legal XML character$/,
  },
  {
    name: "a raw NUL in a required field",
    body: `<request><warehouseCode>W\u00001</warehouseCode><orderCode>O1</orderCode></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^<warehouseCode> contains U\+0000, which is not a legal XML character$/,
  },
  {
    name: "a raw U+FFFE inside CDATA",
    body: `<request>${REQUIRED}<remark><![CDATA[x\uFFFE]]></remark></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^<remark> contains U\+FFFE, which is not a legal XML character$/,
  },
  {
    name: "a lone surrogate in a string body",
    body: `<request>${REQUIRED}<extendProps><note>\uD800</note></extendProps></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^<note> contains U\+D800, which is not a legal XML character$/,
  },
  {
    name: "a lone low surrogate",
    body: `<request>${REQUIRED}<remark>a\uDC00</remark></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^<remark> contains U\+DC00, which is not a legal XML character$/,
  },
  {
    name: "a surrogate pair in the wrong order",
    body: `<request>${REQUIRED}<remark>\uDE00\uD83D</remark></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^<remark> contains U\+DE00, which is not a legal XML character$/,
  },
  {
    name: "a raw U+FFFF after a legal surrogate pair",
    body: `<request>${REQUIRED}<remark>\uD83D\uDE00\uFFFF</remark></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^<remark> contains U\+FFFF, which is not a legal XML character$/,
  },
  {
    name: "a raw U+0001 in a comment",
    body: `<request>${REQUIRED}<!-- \u0001 --></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^XML body contains U\+0001 at line 1, column 73, which is not a legal XML character$/,
  },
  {
    // In a comment, so found in no element's text: reported by position.
    name: "a raw vertical tab in a comment on the second line",
    body: `<request>\n${REQUIRED}<!-- \u000B --></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^XML body contains U\+000B at line 2, column 64, which is not a legal XML character$/,
  },
  {
    // U+000B is no XML white space: it is not trimmed away with the spaces around it.
    name: "a raw vertical tab amid spaces",
    body: `<request>${REQUIRED}<cancelReason> \u000B </cancelReason></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: /^<cancelReason> contains U\+000B, which is not a legal XML character$/,
  },
  {
    name: "a __proto__ request field",
    body: `<request>${REQUIRED}<__proto__>x</__proto__></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: RESERVED_NAME_MESSAGE("__proto__"),
  },
  {
    name: "a __proto__ extendProps key holding elements",
    body: `<request>${REQUIRED}<extendProps><__proto__><polluted>yes</polluted></__proto__></extendProps></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: RESERVED_NAME_MESSAGE("__proto__"),
  },
  {
    name: "a constructor extendProps key",
    body: `<request>${REQUIRED}<extendProps><constructor>x</constructor></extendProps></request>`,
    code: "QIMEN_XML_MALFORMED",
    message: RESERVED_NAME_MESSAGE("constructor"),
  },
  {
    name: "a __proto__ root",
    body: `<__proto__>${REQUIRED}</__proto__>`,
    code: "QIMEN_XML_MALFORMED",
    message: RESERVED_NAME_MESSAGE("__proto__"),
  },
];

describe("decoding hostile and malformed order.cancel XML", function () {
  // Each case finishes in milliseconds; a case that runs into this has hung.
  this.timeout(5000);

  for (const { name, body, limits, code, message } of HOSTILE) {
    it(`rejects ${name} with ${code}`, () => {
      expectQimenError(() => decodeCancelRequest(body, limits), code, message);
    });
  }

  it("names the element and the character of a raw illegal character in the error context", () => {
    const error = expectQimenError(
      () => decodeCancelRequest(`<request>${REQUIRED}<remark>\u0008</remark></request>`),
      "QIMEN_XML_MALFORMED",
      /U\+0008/,
    );
    expect(error.context).to.deep.equal({ element: "remark", codePoint: "U+0008" });
  });

  it("leaves Object.prototype untouched after every hostile input", () => {
    expect(Object.getOwnPropertyNames(Object.prototype)).not.to.include("polluted");
    expect(({} as Record<string, unknown>)["polluted"]).to.equal(undefined);
  });

  it("quotes at most a short excerpt of the parser's diagnostic for 100k unclosed tags", () => {
    const error = expectQimenError(
      () => parseXml("<a>".repeat(100_000), ROOM_FOR_DEEP_NESTING),
      "QIMEN_XML_MALFORMED",
      /ends inside <a>/,
    );
    expect(error.message.length).to.be.below(400);
  });

  describe("caller-controlled names in messages", () => {
    const LONG = "n".repeat(100_000);
    // The longest name or value a message quotes: 80 characters and an ellipsis.
    const QUOTED = `${"n".repeat(80)}…`;
    const CAPPED: {
      readonly name: string;
      readonly body: string;
      readonly code: QimenErrorCode;
      readonly message: string;
    }[] = [
      {
        name: "a wrong root",
        body: `<${LONG}/>`,
        code: "QIMEN_XML_WRONG_ROOT",
        message: `order.cancel body must have root <request>, got <${QUOTED}>`,
      },
      {
        name: "a duplicated field",
        body: `<request>${REQUIRED}<${LONG}/><${LONG}/></request>`,
        code: "QIMEN_FIELD_DUPLICATE",
        message: `<request> contains <${QUOTED}> more than once`,
      },
      {
        name: "an element where text belongs",
        body: `<request>${REQUIRED}<remark><${LONG}/></remark></request>`,
        code: "QIMEN_FIELD_INVALID",
        message: `<remark> must hold text, but contains <${QUOTED}>`,
      },
      {
        name: "a wrong subSourceOrders item",
        body: `<request>${REQUIRED}<subSourceOrders><${LONG}/></subSourceOrders></request>`,
        code: "QIMEN_FIELD_INVALID",
        message: `<subSourceOrders> may only contain <subSourceOrder> (or <sub_source_order>) items, got <${QUOTED}>`,
      },
      {
        name: "an undefined entity in a long-named element",
        body: `<request>${REQUIRED}<${LONG}>&nbsp;</${LONG}></request>`,
        code: "QIMEN_XML_MALFORMED",
        message: `<${QUOTED}> uses the undefined entity "&nbsp;": only &lt; &gt; &amp; &quot; &apos; and numeric references are allowed`,
      },
      {
        name: "an illegal character in a long-named element",
        body: `<request>${REQUIRED}<${LONG}>\u0001</${LONG}></request>`,
        code: "QIMEN_XML_MALFORMED",
        message: `<${QUOTED}> contains U+0001, which is not a legal XML character`,
      },
    ];
    for (const { name, body, code, message } of CAPPED) {
      it(`quotes at most 80 characters of the name in ${name}`, () => {
        const error = expectQimenError(() => decodeCancelRequest(body), code, /./);
        expect(error.message).to.equal(message);
        expect(JSON.stringify(error.context).length).to.be.below(400);
      });
    }

    it("quotes at most 80 characters of an unknown element's name in its warning", () => {
      expect(decodeCancelRequest(`<request>${REQUIRED}<${LONG}/></request>`).warnings).to.deep.equal([
        `unknown element <${QUOTED}> in <request> ignored`,
      ]);
    });
  });

  it("accepts nesting exactly at the depth limit", () => {
    const atLimit = `<request>${REQUIRED}<extendProps><key>v</key></extendProps></request>`;
    expect(decodeCancelRequest(atLimit, { maxBytes: 1024, maxDepth: 3 }).request.extendProps).to.deep.equal({
      key: "v",
    });
  });

  it("accepts a body exactly at the size limit", () => {
    expect(
      decodeCancelRequest(VALID_REQUEST, { maxBytes: Buffer.byteLength(VALID_REQUEST), maxDepth: 2 }).request,
    ).to.deep.equal({
      warehouseCode: "W1",
      orderCode: "O1",
    });
  });

  it("accepts DOCTYPE-like text inside CDATA, which is data and no declaration", () => {
    const body = `<request>${REQUIRED}<cancelReason><![CDATA[<!DOCTYPE x [<!ENTITY y "z">]>]]></cancelReason></request>`;
    expect(decodeCancelRequest(body).request.cancelReason).to.equal('<!DOCTYPE x [<!ENTITY y "z">]>');
  });

  const BOM = "\uFEFF";
  const BOM_BODIES: { readonly name: string; readonly body: string | Uint8Array }[] = [
    { name: "a string", body: `${BOM}<?xml version="1.0" encoding="utf-8"?>${VALID_REQUEST}` },
    { name: "UTF-8 bytes", body: Buffer.from(`${BOM}<?xml version="1.0" encoding="utf-8"?>${VALID_REQUEST}`, "utf8") },
  ];
  for (const { name, body } of BOM_BODIES) {
    it(`accepts a UTF-8 byte-order mark at the start of ${name}`, () => {
      expect(decodeCancelRequest(body)).to.deep.equal({
        request: { warehouseCode: "W1", orderCode: "O1" },
        warnings: [],
      });
    });
  }

  const BAD_LIMITS: { readonly name: string; readonly limits: XmlLimits; readonly message: RegExp }[] = [
    {
      name: "maxDepth 0",
      limits: { maxBytes: 1024, maxDepth: 0 },
      message: /maxDepth must be an integer from 1 to 1000, got 0/,
    },
    {
      name: "maxDepth above MAX_XML_DEPTH",
      limits: { maxBytes: 1024, maxDepth: MAX_XML_DEPTH + 1 },
      message: /maxDepth must be an integer from 1 to 1000, got 1001/,
    },
    { name: "fractional maxDepth", limits: { maxBytes: 1024, maxDepth: 2.5 }, message: /maxDepth/ },
    {
      name: "maxBytes 0",
      limits: { maxBytes: 0, maxDepth: 16 },
      message: /maxBytes must be a positive integer, got 0/,
    },
    {
      name: "NaN maxBytes",
      limits: { maxBytes: Number.NaN, maxDepth: 16 },
      message: /maxBytes must be a positive integer/,
    },
    {
      name: "infinite maxBytes",
      limits: { maxBytes: Infinity, maxDepth: 16 },
      message: /maxBytes must be a positive integer/,
    },
  ];
  for (const { name, limits, message } of BAD_LIMITS) {
    it(`treats ${name} as a programmer mistake: RangeError naming the limit`, () => {
      expect(() => parseXml(VALID_REQUEST, limits)).to.throw(RangeError, message);
    });
  }
});
