import { expect } from "chai";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import { consoleResult } from "../../provider-verify/reports.js";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { DESCRIPTIONS } from "./fixtures.js";
import { only, reasonsByInteraction, verifyVariant } from "./gate-runs.js";
import { rewriteXml, type WireAnswer, type WmsVariant } from "./wms-variants.js";

/*
 * The proof that the gate judges answers as the official Qimen Java SDK (DefaultQimenClient) reads
 * them (docs/protocol.md, §6 "The official Java SDK, measured"): for each rule, a WMS that breaks it fails
 * for that reason, and its nearest harmless twin passes. Each row runs the one interaction that
 * shows it: a cancel of a NEW order, which the contract answers with <flag>success</flag> alone.
 */

const { NEW } = DESCRIPTIONS;
const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const SDK_UNREADABLE = "sdk-unreadable @ Qimen Java SDK";
const SDK_FLAG = "sdk-flag-differs @ Qimen Java SDK";
const STATE_SETUP = 'state-setup @ state "an order exists"';

function prefixed(bytes: Buffer): (answer: WireAnswer) => WireAnswer {
  return (answer) => ({ ...answer, body: Buffer.concat([bytes, answer.body]) });
}

function contentType(value: string): (answer: WireAnswer) => WireAnswer {
  return (answer) => ({ ...answer, contentType: value });
}

function flagWritten(flag: string): (answer: WireAnswer) => WireAnswer {
  return rewriteXml((xml) => xml.replace("<flag>success</flag>", `<flag>${flag}</flag>`));
}

/** The whole success answer replaced by `xml`. */
function successAs(xml: string): (answer: WireAnswer) => WireAnswer {
  return rewriteXml(() => xml);
}

/** The state-change endpoint's setup answered with this status and body, whatever it did. */
function stateAnswer(status: number, body: string): (answer: WireAnswer, call: { action: string }) => WireAnswer {
  return (answer, call) =>
    call.action === "setup" ? { status, contentType: "application/json", body: Buffer.from(body) } : answer;
}

interface Row {
  readonly rule: string;
  readonly broken: { readonly variant: WmsVariant; readonly reasons: readonly string[]; readonly because: RegExp };
  readonly twins: readonly WmsVariant[];
}

const ROWS: readonly Row[] = [
  {
    rule: "no byte-order mark",
    broken: {
      variant: { name: "starts its answer with a UTF-8 BOM", alterAnswer: prefixed(UTF8_BOM) },
      reasons: [SDK_UNREADABLE],
      because: /cannot read this answer: it starts with a UTF-8 byte-order mark; write the XML without a BOM/,
    },
    twins: [
      { name: "writes the same answer without a BOM" },
      {
        name: "closes each connection after answering",
        alterAnswer: (answer) => ({ ...answer, headers: { connection: "close" } }),
      },
    ],
  },
  {
    rule: "no second byte-order mark",
    broken: {
      variant: { name: "starts its answer with two BOMs", alterAnswer: prefixed(Buffer.concat([UTF8_BOM, UTF8_BOM])) },
      reasons: [SDK_UNREADABLE],
      because: /it starts with 2 UTF-8 byte-order marks/,
    },
    twins: [],
  },
  {
    rule: "nothing before the declaration",
    broken: {
      variant: { name: "sends CRLF before the declaration", alterAnswer: prefixed(Buffer.from("\r\n")) },
      reasons: [SDK_UNREADABLE],
      because: /white space or line breaks before the XML declaration; start the answer with <\?xml/,
    },
    twins: [
      {
        name: "sends comments and processing instructions",
        alterAnswer: successAs(
          `${XML_DECLARATION}<!-- gen --><?wms v1?><response><!--x--><flag>success</flag><?pi y?></response>`,
        ),
      },
    ],
  },
  {
    rule: "an unquoted UTF-8 charset",
    broken: {
      variant: { name: "quotes its charset", alterAnswer: contentType('text/xml; charset="utf-8"') },
      reasons: [SDK_UNREADABLE],
      because:
        /quoted charset \(charset="utf-8"\), which the SDK passes as written to Java \(UnsupportedEncodingException\)/,
    },
    twins: [
      { name: "ends its Content-Type with ;", alterAnswer: contentType("text/xml; charset=utf-8;") },
      { name: "writes TEXT/XML", alterAnswer: contentType("TEXT/XML;charset=UTF-8") },
      { name: "answers text/plain", alterAnswer: contentType("text/plain") },
    ],
  },
  {
    rule: "UTF-8 only",
    broken: {
      variant: { name: "declares charset=gbk", alterAnswer: contentType("text/xml;charset=gbk") },
      reasons: ["content-type @ header Content-Type"],
      because: /Qimen does not allow this answer: its Content-Type says charset=gbk/,
    },
    twins: [
      {
        name: 'declares encoding="utf-16" over UTF-8 bytes',
        alterAnswer: successAs('<?xml version="1.0" encoding="utf-16"?><response><flag>success</flag></response>'),
      },
    ],
  },
  {
    rule: "the flag's exact text",
    broken: {
      variant: { name: "writes <flag> success </flag>", alterAnswer: flagWritten(" success ") },
      reasons: [SDK_FLAG],
      because: /reads flag " success ", which is not success to it, where the contract says "success"/,
    },
    twins: [
      { name: "writes the flag in CDATA", alterAnswer: flagWritten("<![CDATA[success]]>") },
      {
        name: "writes JAXB's alphabetical element order",
        alterAnswer: successAs(
          `${XML_DECLARATION}<response><code>0</code><flag>success</flag><message>ok</message></response>`,
        ),
      },
      {
        name: "writes .NET XmlSerializer output",
        alterAnswer: successAs(
          '<?xml version="1.0" encoding="utf-8"?>\r\n<response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\r\n  <flag>success</flag>\r\n  <code>0</code>\r\n  <message xsi:nil="true" />\r\n</response>',
        ),
      },
      {
        name: "declares a default namespace",
        alterAnswer: successAs(
          `${XML_DECLARATION}<response xmlns="http://qimen.taobao.com/"><flag>success</flag></response>`,
        ),
      },
    ],
  },
  {
    rule: "no line around the flag",
    broken: {
      variant: { name: "puts the flag on its own indented line", alterAnswer: flagWritten("\n    success\n  ") },
      reasons: [SDK_FLAG],
      because: /reads flag "\\n {4}success\\n {2}", which is not success/,
    },
    twins: [
      {
        name: "pretty-prints around the flag element",
        alterAnswer: successAs(`${XML_DECLARATION}\n<response>\n  <flag>success</flag>\n</response>\n`),
      },
    ],
  },
  {
    rule: "no Unicode space in the flag",
    broken: {
      variant: { name: "writes success + U+00A0", alterAnswer: flagWritten("success\u00A0") },
      reasons: [SDK_FLAG],
      because: /reads flag "success\\u00a0", which is not success/,
    },
    twins: [],
  },
  {
    rule: "no ideographic space in the flag",
    broken: {
      variant: { name: "writes success + U+3000", alterAnswer: flagWritten("success\u3000") },
      reasons: [SDK_FLAG],
      because: /reads flag "success\\u3000", which is not success/,
    },
    twins: [],
  },
  {
    rule: "a state change that failed says so",
    broken: {
      variant: {
        name: "answers setup 200 {success:false}",
        alterStateAnswer: stateAnswer(200, '{"success":false,"message":"cannot seed"}'),
      },
      reasons: [STATE_SETUP],
      because:
        /the state-change endpoint answered 200 but said it failed: \{"success": false, "message": "cannot seed"\}/,
    },
    twins: [
      { name: "answers setup 201 with an empty body", alterStateAnswer: stateAnswer(201, "") },
      { name: "answers setup 204", alterStateAnswer: stateAnswer(204, "") },
      { name: "answers setup 200 {}", alterStateAnswer: stateAnswer(200, "{}") },
      { name: "answers setup 200 OK", alterStateAnswer: stateAnswer(200, "OK") },
      { name: "answers setup 200 with an empty body", alterStateAnswer: stateAnswer(200, "") },
    ],
  },
  {
    rule: "a state change's non-zero code is a failure",
    broken: {
      variant: {
        name: "answers setup 200 with code E1001",
        alterStateAnswer: stateAnswer(200, '{"code":"E1001","message":"duplicate order"}'),
      },
      reasons: [STATE_SETUP],
      because: /answered 200 but said it failed: \{"code": "E1001"/,
    },
    twins: [
      { name: "answers setup 200 with code 0", alterStateAnswer: stateAnswer(200, '{"code":"0","message":"ok"}') },
    ],
  },
  {
    rule: "a state change's error is a failure",
    broken: {
      variant: { name: "answers setup 200 with an error", alterStateAnswer: stateAnswer(200, '{"error":"db down"}') },
      reasons: [STATE_SETUP],
      because: /answered 200 but said it failed: \{"error": "db down"\}/,
    },
    twins: [],
  },
  {
    rule: "an answer is read as HTTP delivers it: 1xx answers skipped, chunks joined",
    broken: {
      variant: { name: "sends 100 Continue, then closes the connection", fault: () => "close-after-continue" },
      reasons: ["not-delivered @ provider"],
      because: /the connection closed before an answer arrived/,
    },
    twins: [
      { name: "sends 102 Processing and an unsolicited 100 Continue before its answer", informational: true },
      {
        name: "writes its body in two chunks split inside a UTF-8 character",
        alterAnswer: successAs(`${XML_DECLARATION}<response><flag>success</flag><message>已取消</message></response>`),
        splitInsideCharacter: true,
      },
    ],
  },
];

describe("verify: the gate judges every answer as the official Qimen Java SDK reads it", () => {
  let contracts: Contract[];
  before(async () => {
    contracts = only(await loadContracts([COMMITTED_CONTRACT]), [NEW]);
  });

  for (const { rule, broken, twins } of ROWS) {
    describe(rule, () => {
      it(`fails a WMS that ${broken.variant.name}`, async () => {
        const results = await verifyVariant(broken.variant, contracts);
        expect(reasonsByInteraction(results)).to.deep.equal({ [NEW]: broken.reasons });
        expect(results.map(consoleResult).join("")).to.match(broken.because);
      });

      for (const twin of twins) {
        it(`passes a WMS that ${twin.name}`, async () => {
          const results = await verifyVariant(twin, contracts);
          expect(results.map(({ verdict, reasons }) => ({ verdict, reasons }))).to.deep.equal([
            { verdict: "passed", reasons: [] },
          ]);
        });
      }
    });
  }
});
