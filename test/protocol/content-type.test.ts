import { expect } from "chai";
import {
  charsetParameter,
  contentTypePattern,
  contentTypeProblem,
  describeContentTypeProblem,
} from "../../src/protocol/content-type.js";

/** Each spelling with the problem kind per side: "ok" when it is one of the accepted forms. */
const SPELLINGS: readonly (readonly [string, string, string])[] = [
  // [Content-Type, request, answer]
  ["text/xml;charset=utf-8", "ok", "ok"],
  ["application/xml", "ok", "ok"],
  ["text/xml; charset=UTF-8", "ok", "ok"],
  ["text/xml;charset=utf8", "ok", "ok"],
  ["text/xml; charset=utf-8;", "ok", "ok"],
  ["text/xml ;  charset = utf-8 ; ;", "ok", "ok"],
  ["TEXT/XML;charset=UTF-8", "media-type", "ok"],
  ["Text/Xml", "media-type", "ok"],
  ["text/plain", "media-type", "ok"],
  ["plain/text;charset=utf-8", "media-type", "ok"],
  ['text/xml; charset="utf-8"', "quoted-charset", "quoted-charset"],
  ["text/xml; charset='utf-8'", "quoted-charset", "quoted-charset"],
  ["text/xml;charset=gbk", "charset", "charset"],
  ["text/xml;charset=utf-16", "charset", "charset"],
  ["text/xml;charset=utf--8", "charset", "charset"],
  ["text/xml;charset=", "charset", "charset"],
  ["text/xml; boundary=x", "parameter", "parameter"],
  ["text/xml; charset", "parameter", "parameter"],
  ["text/html;charset=utf-8", "media-type", "media-type"],
  ["application/json", "media-type", "media-type"],
  [" text/xml", "media-type", "media-type"],
  ["text/xml2", "media-type", "media-type"],
];

describe("Content-Type: one grammar for the contract's matchers and the gate's words", () => {
  for (const [side, column] of [
    ["request", 1],
    ["answer", 2],
  ] as const) {
    it(`judges every spelling of the table for the ${side} side`, () => {
      expect(SPELLINGS.map((row) => [row[0], contentTypeProblem(side, row[0])?.kind ?? "ok"])).to.deep.equal(
        SPELLINGS.map((row) => [row[0], row[column]]),
      );
    });

    it(`has a Pact regex for the ${side} side that accepts exactly the accepted forms`, () => {
      const pattern = new RegExp(contentTypePattern(side));
      expect(SPELLINGS.map((row) => [row[0], pattern.test(row[0])])).to.deep.equal(
        SPELLINGS.map((row) => [row[0], row[column] === "ok"]),
      );
    });
  }

  it("calls a missing Content-Type missing", () => {
    expect(contentTypeProblem("answer", undefined)).to.deep.equal({ kind: "missing" });
  });

  it("lists the accepted forms in its words instead of a regex", () => {
    const words = describeContentTypeProblem("answer", { kind: "quoted-charset", charset: '"utf-8"' });
    expect(words).to.equal(
      'the charset is quoted (charset="utf-8"), which the official Qimen Java SDK passes as written to Java and fails with UnsupportedEncodingException: send text/xml, application/xml, text/plain or plain/text in any case, with an unquoted UTF-8 charset or none (text/xml;charset=utf-8, TEXT/XML; charset=UTF-8;, text/plain); never a quoted charset="utf-8", never another charset',
    );
  });

  const CHARSETS: readonly (readonly [string, string | undefined])[] = [
    ["text/xml;charset=utf-8", "utf-8"],
    ['text/xml; charset = "utf-8" ;', '"utf-8"'],
    ["text/xml; CHARSET=GBK; charset=utf-8", "GBK"],
    ["text/xml", undefined],
    ["text/xml; charset", undefined],
  ];
  for (const [contentType, charset] of CHARSETS) {
    it(`takes the charset of ${contentType} as the SDK does: ${String(charset)}`, () => {
      expect(charsetParameter(contentType)).to.equal(charset);
    });
  }
});
