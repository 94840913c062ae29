import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { parseXml } from "../../src/protocol/index.js";
import { expectQimenError } from "./qimen-error-assertions.js";

const FLAG = "<flag>success</flag>";
const RESPONSE = `<response>${FLAG}</response>`;

/** Each document every mainstream XML parser refuses, beside its nearest twin that all of them read. */
const PAIRS: readonly {
  readonly rule: string;
  readonly broken: string;
  readonly message: RegExp;
  readonly twin: string;
  /** The text of the twin's `<message>`, when it has one. */
  readonly twinMessage?: string;
}[] = [
  {
    rule: "two byte-order marks",
    broken: `\uFEFF\uFEFF${RESPONSE}`,
    message:
      /^XML body starts with a second byte-order mark \(U\+FEFF\): write one at most, or none \(line 1, column 1\)$/,
    twin: `\uFEFF${RESPONSE}`,
  },
  {
    rule: '"--" inside a comment',
    broken: `<response><!-- cancelled -- twice -->${FLAG}</response>`,
    message:
      /^XML body has "--" inside a comment, which XML forbids: remove it or put a space between \(line 1, column 11\)$/,
    twin: `<response><!-- cancelled - twice -->${FLAG}</response>`,
  },
  {
    rule: 'a comment ending in "--->"',
    broken: `<response>\n<!-- cancelled --->${FLAG}</response>`,
    message: /"--" inside a comment.*\(line 2, column 1\)$/,
    twin: `<response>\n<!-- cancelled -->${FLAG}</response>`,
  },
  {
    rule: '"]]>" in text',
    broken: `<response>${FLAG}<message>a]]>b</message></response>`,
    message:
      /^XML body has "\]\]>" in its text, which XML forbids outside CDATA: write it as \]\]&gt; \(line 1, column 41\)$/,
    twin: `<response>${FLAG}<message>a]]&gt;b<![CDATA[c]]></message></response>`,
    twinMessage: "a]]>bc",
  },
  {
    rule: '"]]>" in text, beside one in an attribute value (where XML allows it)',
    broken: `<response a="]]>">${FLAG}<message>]]></message></response>`,
    message: /"\]\]>" in its text.*\(line 1, column 48\)$/,
    twin: `<response a="]]>">${FLAG}<message>]]&gt;</message></response>`,
    twinMessage: "]]>",
  },
  {
    rule: "a second XML declaration",
    broken: `<?xml version="1.0"?>\n<?xml version="1.0"?>${RESPONSE}`,
    message: /not well-formed at line 2, column 6: XML declaration allowed only at the start/,
    twin: `<?xml version="1.0"?>\n<?xml-stylesheet href="a.xsl"?>${RESPONSE}`,
  },
  {
    rule: "an XML declaration inside the root",
    broken: `<response><?xml version="1.0"?>${FLAG}</response>`,
    message: /^XML body has an XML declaration that is not at the very start of the document: .*\(line 1, column 11\)$/,
    twin: `<?xml version="1.0"?><response><?php echo 1 ?>${FLAG}</response>`,
  },
  {
    rule: "an XML declaration after the root",
    broken: `${RESPONSE}\n<?xml version="1.0"?>`,
    message: /XML declaration that is not at the very start .*\(line 2, column 1\)$/,
    twin: `${RESPONSE}\n<?pi after?>`,
  },
  {
    rule: "an XML declaration after a line break",
    broken: `\r\n<?xml version="1.0"?>${RESPONSE}`,
    message: /XML declaration allowed only at the start/,
    twin: `<?xml version="1.0"?>\r\n${RESPONSE}`,
  },
];

describe("parseXml refuses what every mainstream XML parser refuses", () => {
  for (const { rule, broken, message, twin, twinMessage } of PAIRS) {
    it(`refuses ${rule}`, () => {
      expectQimenError(() => parseXml(broken), "QIMEN_XML_MALFORMED", message);
    });

    it(`reads the nearest twin of ${rule}`, () => {
      expect(parseXml(twin)).to.deep.equal({
        name: "response",
        children: [
          { name: "flag", children: [], text: "success" },
          ...(twinMessage === undefined ? [] : [{ name: "message", children: [], text: twinMessage }]),
        ],
        text: "",
      });
    });
  }

  it("agrees with python3's expat, a parser we did not write, on every pair", () => {
    // One process for the whole table: each body in, whether expat reads it out.
    const script = [
      "import json, sys, xml.parsers.expat",
      "def reads(body):",
      "    try:",
      "        xml.parsers.expat.ParserCreate().Parse(body.encode('utf-8'), True)",
      "        return True",
      "    except xml.parsers.expat.ExpatError:",
      "        return False",
      "print(json.dumps([[reads(b), reads(t)] for b, t in json.load(sys.stdin)]))",
    ].join("\n");
    const input = JSON.stringify(PAIRS.map(({ broken, twin }) => [broken, twin]));
    const run = spawnSync("python3", ["-c", script], { input, encoding: "utf8" });
    expect(run.stderr).to.equal("");
    expect(JSON.parse(run.stdout)).to.deep.equal(PAIRS.map(() => [false, true]));
  });
});
