import { expect } from "chai";
import fc from "fast-check";
import { decodeCancelRequest, decodeResponse, parseXml } from "../../src/protocol/index.js";
import { readAsSdk } from "../../src/protocol/sdk-reading.js";
import { scanMarkup, type Markup } from "../../src/protocol/xml.js";
import { expectQimenError } from "./qimen-error-assertions.js";

const REQUIRED = "<warehouseCode>W1</warehouseCode><orderCode>O1</orderCode>";
const VALID_REQUEST = `<request>${REQUIRED}</request>`;
const DTD = '<!DOCTYPE request [<!ENTITY w "W1">]>';

/** Every name a plain object answers without holding it: the class behind `&constructor;`. */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

describe("entity names that are Object.prototype members", () => {
  it("covers the names the attack used", () => {
    expect(PROTOTYPE_NAMES).to.include.members(["constructor", "toString", "__proto__", "hasOwnProperty"]);
  });

  for (const name of PROTOTYPE_NAMES) {
    it(`refuses &${name}; in a request field as an undefined entity`, () => {
      expectQimenError(
        () =>
          decodeCancelRequest(`<request><warehouseCode>W1</warehouseCode><orderCode>&${name};</orderCode></request>`),
        "QIMEN_XML_MALFORMED",
        new RegExp(`^<orderCode> uses the undefined entity "&${name};"`),
      );
    });

    it(`refuses &${name}; in an answer's <code>, for the ERP client and as the SDK reads it`, () => {
      const answer = `<response><flag>failure</flag><code>&${name};</code></response>`;
      const error = expectQimenError(() => decodeResponse(answer), "QIMEN_RESPONSE_UNRECOGNISED", /undefined entity/);
      expect(error.context["xmlError"]).to.equal("QIMEN_XML_MALFORMED");
      const sdk = readAsSdk({ status: 200, contentType: "text/xml", body: Buffer.from(answer) });
      expect(sdk).to.include({ readable: false, problem: "not-xml" });
    });
  }

  it("still decodes the five predefined entities (the harmless twin)", () => {
    const body = `<request><warehouseCode>W1</warehouseCode><orderCode>&lt;&gt;&amp;&quot;&apos;</orderCode></request>`;
    expect(decodeCancelRequest(body).request.orderCode).to.equal(`<>&"'`);
    const answer = "<response><flag>failure</flag><code>&amp;1</code></response>";
    expect(decodeResponse(answer).code).to.equal("&1");
    expect(readAsSdk({ status: 200, contentType: "text/xml", body: Buffer.from(answer) })).to.include({ code: "&1" });
  });
});

describe("DTD markup is found wherever markup reads it, in document order", () => {
  const HIDDEN: readonly { readonly name: string; readonly body: string }[] = [
    { name: "behind a CDATA opener inside a comment", body: `<!-- <![CDATA[ -->${DTD}<!-- ]]> -->${VALID_REQUEST}` },
    { name: "behind a CDATA opener inside a PI", body: `<?pi <![CDATA[ ?>${DTD}<!-- ]]> -->${VALID_REQUEST}` },
    { name: "behind a comment opener inside CDATA", body: `<request><![CDATA[<!--]]></request>${DTD}<!-- -->` },
    { name: "behind a comment opener in an attribute", body: `<request a="<!--">${REQUIRED}</request>${DTD}-->` },
    { name: "in lower case", body: `<!doctype request>${VALID_REQUEST}` },
    { name: "glued to a name", body: `<!DOCTYPErequest>${VALID_REQUEST}` },
  ];
  for (const { name, body } of HIDDEN) {
    it(`refuses a DOCTYPE ${name}`, () => {
      expectQimenError(() => parseXml(body), "QIMEN_XML_DTD_FORBIDDEN", /DTDs are not accepted/);
    });
  }

  const DATA: readonly { readonly name: string; readonly body: string }[] = [
    { name: "a comment", body: `<!-- ${DTD} -->${VALID_REQUEST}` },
    { name: "a processing instruction", body: `<?pi ${DTD} ?>${VALID_REQUEST}` },
    {
      name: "CDATA after a comment holding a CDATA opener",
      body: `<!-- <![CDATA[ --><request>${REQUIRED}<remark><![CDATA[${DTD}]]></remark></request>`,
    },
    { name: "an attribute value holding '>'", body: `<request a=">">${REQUIRED}<!-- ${DTD} --></request>` },
  ];
  for (const { name, body } of DATA) {
    it(`accepts DOCTYPE-like text inside ${name} (the harmless twin)`, () => {
      expect(parseXml(body).name).to.equal("request");
    });
  }
});

describe("scanMarkup: one pass, in document order", () => {
  const OPENERS = ["<![CDATA[", "<!--", "<?"];
  const BYTES = 256 * 1024;
  for (const opener of OPENERS) {
    const body = `<request>${opener.repeat(Math.floor((BYTES - 20) / opener.length))}</request>`;

    it(`refuses a 256 KB body full of unclosed ${opener} openers`, () => {
      expect(Buffer.byteLength(body)).to.be.at.most(BYTES);
      // The opener swallows the rest of the document, closing tag included.
      expectQimenError(() => decodeCancelRequest(body), "QIMEN_XML_MALFORMED", /XML body ends inside <request>/);
    });

    it(`reads the first unclosed ${opener} to the end, once, and never the openers after it`, () => {
      expect([...scanMarkup(body)].map(({ kind, start, end }) => ({ kind, start, end }))).to.deep.equal([
        { kind: "tag", start: 0, end: "<request>".length },
        { kind: kindOf(opener), start: "<request>".length, end: body.length },
      ]);
    });
  }

  function kindOf(opener: string): Markup["kind"] {
    return opener === "<![CDATA[" ? "cdata" : opener === "<!--" ? "comment" : "processing-instruction";
  }

  /*
   * What makes the scan linear: each piece starts at a "<" at or after the end of the one before, so
   * the searches that find the pieces never cover the same text twice.
   */
  it("yields pieces that start at '<', follow each other and never overlap, for any mix of markup", () => {
    const piece = fc.constantFrom(
      "<",
      ">",
      "<!--",
      "-->",
      "<![CDATA[",
      "]]>",
      "<?",
      "?>",
      '"',
      "'",
      "<a ",
      "x",
      "<!DOCTYPE",
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join("")),
        (text) => {
          let previousEnd = 0;
          for (const { start, end } of scanMarkup(text)) {
            expect(text.charAt(start)).to.equal("<");
            expect(start).to.be.at.least(previousEnd);
            expect(end).to.be.above(start).and.at.most(text.length);
            previousEnd = end;
          }
        },
      ),
      { seed: 20250115, numRuns: 2000 },
    );
  });
});
