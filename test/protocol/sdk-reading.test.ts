import { expect } from "chai";
import { readAsSdk, type SdkReading } from "../../src/protocol/sdk-reading.js";

const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const SUCCESS = `${DECLARATION}<response><flag>success</flag><code>0</code></response>`;
const CONTENT_TYPE = "text/xml;charset=utf-8";

function read(body: string | Buffer, contentType: string | undefined = CONTENT_TYPE, status = 200): SdkReading {
  return readAsSdk({ status, contentType, body: typeof body === "string" ? Buffer.from(body, "utf8") : body });
}

function problem(reading: SdkReading): string {
  return reading.readable ? `reads ${JSON.stringify(reading.flag)}` : reading.problem;
}

/** Each rule's breaking answer and its nearest harmless twin, as [what, Content-Type, body, verdict]. */
const TABLE: readonly (readonly [string, string | undefined, string | Buffer, string])[] = [
  ["a leading BOM", CONTENT_TYPE, `\uFEFF${SUCCESS}`, "byte-order-mark"],
  ["two BOMs", CONTENT_TYPE, `\uFEFF\uFEFF${SUCCESS}`, "byte-order-mark"],
  ["CRLF before the declaration", CONTENT_TYPE, `\r\n${SUCCESS}`, "text-before-xml"],
  [
    "a zero-width space before the root",
    CONTENT_TYPE,
    "\u200B<response><flag>success</flag></response>",
    "text-before-xml",
  ],
  [
    "white space before a root without declaration",
    CONTENT_TYPE,
    "\r\n <response><flag>success</flag></response>",
    'reads "success"',
  ],
  ["a quoted charset", 'text/xml; charset="utf-8"', SUCCESS, "quoted-charset"],
  ["charset=gbk", "text/xml;charset=gbk", SUCCESS, "charset"],
  ["a trailing ; after the charset", "text/xml; charset=utf-8;", SUCCESS, 'reads "success"'],
  ["TEXT/XML with UTF8", "TEXT/XML;charset=UTF8", SUCCESS, 'reads "success"'],
  ["text/plain", "text/plain", SUCCESS, 'reads "success"'],
  ["no Content-Type at all", undefined, SUCCESS, 'reads "success"'],
  ["spaces around the flag", CONTENT_TYPE, "<response><flag> success </flag></response>", 'reads " success "'],
  [
    "a flag on its own indented line",
    CONTENT_TYPE,
    "<response>\n  <flag>\n    success\n  </flag>\n</response>",
    'reads "\\n    success\\n  "',
  ],
  [
    "a no-break space after the flag",
    CONTENT_TYPE,
    "<response><flag>success\u00A0</flag></response>",
    'reads "success\u00a0"',
  ],
  [
    "an ideographic space after the flag",
    CONTENT_TYPE,
    "<response><flag>success\u3000</flag></response>",
    'reads "success\u3000"',
  ],
  [
    "a character reference for the no-break space",
    CONTENT_TYPE,
    "<response><flag>success&#160;</flag></response>",
    'reads "success\u00a0"',
  ],
  ["the flag in CDATA", CONTENT_TYPE, "<response><flag><![CDATA[success]]></flag></response>", 'reads "success"'],
  [
    "JAXB's alphabetical element order",
    CONTENT_TYPE,
    "<response><code>0</code><flag>success</flag><message>ok</message></response>",
    'reads "success"',
  ],
  [
    "comments and processing instructions",
    CONTENT_TYPE,
    `${DECLARATION}<!--a--><?pi x?><response><!--b--><flag>success</flag><?pi y?></response>`,
    'reads "success"',
  ],
  [
    "a default namespace",
    CONTENT_TYPE,
    '<response xmlns="http://qimen.taobao.com/"><flag>success</flag></response>',
    'reads "success"',
  ],
  [
    "utf-16 declared over UTF-8 bytes",
    CONTENT_TYPE,
    '<?xml version="1.0" encoding="utf-16"?><response><flag>success</flag></response>',
    'reads "success"',
  ],
  ["no XML at all", CONTENT_TYPE, "<html><body>502</body>", "not-xml"],
  ["an empty body", CONTENT_TYPE, "", "not-xml"],
];

describe("readAsSdk: an answer as the official Qimen Java SDK (DefaultQimenClient) reads it", () => {
  for (const [what, contentType, body, verdict] of TABLE) {
    it(`${what}: ${verdict}`, () => {
      expect(problem(read(body, contentType))).to.equal(verdict);
    });
  }

  it("reads .NET XmlSerializer output with xsi:nil and xmlns:xsi/xsd, code and message exactly", () => {
    const dotNet =
      '<?xml version="1.0" encoding="utf-8"?>\r\n<response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\r\n  <flag>success</flag>\r\n  <code>0</code>\r\n  <message xsi:nil="true" />\r\n</response>';
    expect(read(dotNet)).to.deep.equal({ readable: true, success: true, flag: "success", code: "0", message: "" });
  });

  it("reads a failure's code and message as written, entities decoded, CDATA kept as data", () => {
    const body =
      "<response><flag>failure</flag><code> -1 </code><message><![CDATA[a &amp; b]]> &lt;c&gt;</message></response>";
    expect(read(body)).to.deep.equal({
      readable: true,
      success: false,
      flag: "failure",
      code: " -1 ",
      message: "a &amp; b <c>",
    });
  });

  it("says in words what to fix for a BOM", () => {
    expect(read(`\uFEFF${SUCCESS}`)).to.deep.equal({
      readable: false,
      problem: "byte-order-mark",
      reason: "it starts with a UTF-8 byte-order mark; write the XML without a BOM",
    });
  });

  it("reads no answer that is not HTTP 200", () => {
    expect(read(SUCCESS, CONTENT_TYPE, 500)).to.deep.equal({
      readable: false,
      problem: "http-status",
      reason: "it is HTTP 500; a Qimen answer is HTTP 200",
    });
  });

  it("reads an answer without <flag> as no success", () => {
    expect(read("<response><code>0</code></response>")).to.deep.equal({ readable: true, success: false, code: "0" });
  });
});
