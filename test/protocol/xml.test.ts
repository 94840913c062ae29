import { expect } from "chai";
import fc from "fast-check";
import { XMLValidator } from "fast-xml-parser";
import { illegalXmlChar, parseXml } from "../../src/protocol/index.js";
import { expectQimenError } from "./qimen-error-assertions.js";

const ROOT = "<request><orderCode>O1</orderCode></request>";
const ROOT_TREE = {
  name: "request",
  children: [{ name: "orderCode", children: [], text: "O1" }],
  text: "",
};

describe("parseXml", () => {
  describe("XML declarations", () => {
    const DECLARATIONS: readonly string[] = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<?xml version="1.0"?>',
      "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>",
      '<?xml  version = "1.0"\n encoding="GBK"  standalone="no" ?>\n',
      // Not a declaration XML defines, but the validator lets it through: read as before, whole.
      '<?xml version="1.0" generator="erp-7"?>',
    ];
    for (const declaration of DECLARATIONS) {
      it(`parses the same tree after ${JSON.stringify(declaration)}`, () => {
        expect(parseXml(declaration + ROOT)).to.deep.equal(ROOT_TREE);
      });
    }

    it('rejects a declaration whose quoted value hides "?>", which ends it early', () => {
      expectQimenError(
        () => parseXml('<?xml version="?><request>"?></request>'),
        "QIMEN_XML_MALFORMED",
        /^XML body must have exactly one root element, found 0$/,
      );
    });
  });

  describe("documents spared the validator", () => {
    /*
     * Documents near the plain subset that skips the validator and the character scan: mostly plain
     * parts, now and then one that leaves it (illegal characters, bad references, comments, odd
     * names, stray text, a mismatched tag, a DTD). Whatever parseXml accepts, the full checks accept.
     */
    const mostly = (plain: readonly string[], odd: readonly string[]): fc.Arbitrary<string> =>
      fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...plain) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
    const piece = mostly(
      ["x", " ", "\r\n", "\t", "中", "😀", ">", "]]>", "&amp;", "&#x4E2D;", "&#0;", "<![CDATA[a<b&]]>"],
      [
        "\uD800",
        "\uDC00",
        "\u0001",
        "\u000B",
        "\uFFFE",
        "&",
        "&#x;",
        "&nbsp;",
        "<![CDATA[\u0001]]>",
        "<!-- c -->",
        "<",
      ],
    );
    const text = fc.array(piece, { maxLength: 3 }).map((pieces) => pieces.join(""));
    const name = mostly(["request", "a", "b_1", "x.y-z"], ["a:b", "1a", "é"]);
    const { element } = fc.letrec<{ element: string }>((tie) => ({
      element: fc.oneof(
        { depthSize: "small" },
        name.map((tag) => `<${tag}/>`),
        fc
          .tuple(name, text, fc.array(tie("element"), { maxLength: 3 }), text, mostly([""], ["mismatched"]))
          .map(([tag, before, children, after, mismatched]) => {
            const closing = mismatched === "" ? tag : `${tag}x`;
            return `<${tag}>${before}${children.join("")}${after}</${closing}>`;
          }),
      ),
    }));
    const prolog = mostly(
      ["", '<?xml version="1.0" encoding="utf-8"?>\n'],
      [" <?xml version='1.0'?>", "x", "<!DOCTYPE a>"],
    );
    const epilog = mostly(["", "\n"], ["x", "<a/>", "</a>", "\u0001"]);
    const document = fc.tuple(prolog, element, epilog).map((parts) => parts.join(""));

    it("accepts only documents the validator accepts, without DTD or illegal characters", () => {
      fc.assert(
        fc.property(document, (body) => {
          let accepted = true;
          try {
            parseXml(body);
          } catch {
            accepted = false;
          }
          if (accepted) {
            expect(XMLValidator.validate(body), body).to.equal(true);
            expect(illegalXmlChar(body), body).to.equal(undefined);
            expect(body, body).not.to.include("<!DOCTYPE");
          }
        }),
        { numRuns: 3000, seed: 20250115 },
      );
    });
  });
});
