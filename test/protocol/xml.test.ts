import { expect } from "chai";
import { parseXml } from "../../src/protocol/index.js";
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
});
