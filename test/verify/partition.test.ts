import { expect } from "chai";
import fc from "fast-check";
import { parsePart, partRange } from "../../provider-verify/partition.js";

describe("verify --shard K/N: the parts of the interactions", () => {
  const PARSED = [
    { text: "1/4", expected: { index: 1, count: 4 } },
    { text: "4/4", expected: { index: 4, count: 4 } },
    { text: "1/1", expected: { index: 1, count: 1 } },
    { text: "0/4", expected: "the part must be a whole number from 1 to 4, got 0" },
    { text: "5/4", expected: "the part must be a whole number from 1 to 4, got 5" },
    { text: "1/0", expected: "the number of parts must be a positive whole number, got 0" },
    { text: "1/", expected: 'expected K/N, e.g. 1/4 for the first of four parts, got "1/"' },
    { text: "-1/4", expected: 'expected K/N, e.g. 1/4 for the first of four parts, got "-1/4"' },
    { text: "1.5/4", expected: 'expected K/N, e.g. 1/4 for the first of four parts, got "1.5/4"' },
    { text: " 1/4", expected: 'expected K/N, e.g. 1/4 for the first of four parts, got " 1/4"' },
  ] as const;
  for (const { text, expected } of PARSED) {
    it(`reads "${text}" as ${JSON.stringify(expected)}`, () => {
      expect(parsePart(text)).to.deep.equal(expected);
    });
  }

  it("gives every interaction to exactly one part, in contract order, part sizes differing by one at most", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 40 }), (total, count) => {
        const ranges = Array.from({ length: count }, (_, k) => partRange({ index: k + 1, count }, total));
        const positions = ranges.flatMap(({ start, end }) => Array.from({ length: end - start }, (_, i) => start + i));
        expect(positions).to.deep.equal(Array.from({ length: total }, (_, i) => i));
        const sizes = ranges.map(({ start, end }) => end - start);
        expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
      }),
    );
  });

  it("splits 10 interactions into 4 parts as 2, 3, 2, 3, the same every time", () => {
    const ranges = [1, 2, 3, 4].map((index) => partRange({ index, count: 4 }, 10));
    expect(ranges).to.deep.equal([
      { start: 0, end: 2 },
      { start: 2, end: 5 },
      { start: 5, end: 7 },
      { start: 7, end: 10 },
    ]);
  });
});
