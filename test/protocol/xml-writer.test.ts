import { expect } from "chai";
import fc from "fast-check";
import { XMLBuilder } from "fast-xml-parser";
import { writeXmlDocument, XML_DECLARATION, type XmlChildren } from "../../src/protocol/xml-writer.js";

/** What wrote every body before: contracts hold its output, so ours must not differ by a byte. */
const builder = new XMLBuilder({
  format: false,
  ignoreAttributes: true,
  suppressEmptyNode: false,
  processEntities: true,
});

/** Text XML can carry, markup and quotes included; names as the codecs allow them. */
const text = fc.string({ unit: fc.constantFrom(..."aZ0 &<>'\"\t\n\r;#中😀-") });
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/);
const { children } = fc.letrec<{ children: XmlChildren }>((tie) => {
  const item = fc.oneof({ depthSize: "small" }, text, tie("children"));
  const content = fc.oneof({ depthSize: "small" }, item, fc.array(item, { maxLength: 3 }));
  return { children: fc.dictionary(name, content, { maxKeys: 4 }) };
});

describe("writeXmlDocument", () => {
  it("writes every document byte for byte as fast-xml-parser's XMLBuilder does", () => {
    fc.assert(
      fc.property(name, children, (root, body) => {
        expect(writeXmlDocument(root, body)).to.equal(XML_DECLARATION + String(builder.build({ [root]: body })));
      }),
      { numRuns: 2000, seed: 20250115 },
    );
  });
});
