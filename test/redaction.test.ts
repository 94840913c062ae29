import { expect } from "chai";
import { redactor, redactStrings, shortSecretWarning } from "../src/redaction.js";
import { SPELLINGS } from "./support/spellings.js";

// Has a letter of each case, a space and every character XML, URLs and JSON escape.
const SECRET = `Se&c<r>e"t' k/e\\y+9`;
const SIGN = "0123456789ABCDEF0123456789ABCDEF";
const redact = redactor([SECRET, SIGN]);

describe("redaction", () => {
  const spellings = [
    ...SPELLINGS.map(({ name, spell }) => ({ name: `the secret ${name}`, text: spell(SECRET) })),
    { name: "the sign lower-cased", text: SIGN.toLowerCase() },
  ];
  for (const { name, text } of spellings) {
    it(`masks ${name}`, () => {
      expect(redact(`<message>echo ${text} done</message>`)).to.equal("<message>echo <redacted> done</message>");
    });
  }

  const signQueries = ["?a=1&sign=abc123&b=2", "?a=1&amp;sign=abc123&amp;b=2", "%3Fa%3D1%26sign%3Dabc123%26b%3D2"];
  for (const query of signQueries) {
    it(`masks any sign= query value in ${query}`, () => {
      expect(redactor([])(query)).to.equal(query.replace("abc123", "<redacted>"));
    });
  }

  it("masks the longest value first, so no part of it is left", () => {
    expect(redactor(["s3cret", "s3cret-and-more"])("got s3cret-and-more and s3cret")).to.equal(
      "got <redacted> and <redacted>",
    );
  });

  describe("a secret of one or two characters", () => {
    const short = redactor(["s", "k9"]);
    it("is masked where it stands alone, in any spelling", () => {
      expect(short("code S; got k9, K9 and &#115;")).to.equal(
        "code <redacted>; got <redacted>, <redacted> and <redacted>",
      );
    });
    it("leaves words that merely contain its letters readable", () => {
      const text = "orders cancelled: sk9s, ks9, SO-k9x";
      expect(short(text)).to.equal(text);
    });
    it("is warned about, and a longer one is not", () => {
      expect([shortSecretWarning("s"), shortSecretWarning("k9"), shortSecretWarning("k9x")]).to.deep.equal([
        "the secret is only 1 character long, so it cannot be told apart from text: it is masked only where it stands alone, and may show inside words the WMS sends",
        "the secret is only 2 characters long, so it cannot be told apart from text: it is masked only where it stands alone, and may show inside words the WMS sends",
        undefined,
      ]);
    });
  });

  it("masks every string of a JSON-like value, never its keys or other values", () => {
    expect(redactStrings({ [SIGN]: [SIGN.toLowerCase(), 1, null, { code: SECRET, ok: true }] }, redact)).to.deep.equal({
      [SIGN]: ["<redacted>", 1, null, { code: "<redacted>", ok: true }],
    });
  });
});
