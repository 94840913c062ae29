import { expect } from "chai";
import { interpretAnswer } from "../../src/client/qimen-client.js";
import { readAsSdk } from "../../src/protocol/sdk-reading.js";
import { ANSWER_DIALECTS, dialectOfCall } from "../../src/wms/answer-dialects.js";
import type { QimenAnswer } from "../../src/wms/qimen-call.js";

/*
 * Every dialect record --answer-dialects writes must be one the official SDK reads (readAsSdk, the
 * SDK's reading as measured) and our own client reads, saying the same flag, and for a failure the
 * same code and message: a dialect changes how an answer is written, never what it says.
 */
const SUCCESS: QimenAnswer = { flag: "success", code: "0", message: 'order "SO-1" cancelled' };
const ANSWERS: readonly (readonly [string, QimenAnswer])[] = [
  ["a success", SUCCESS],
  [
    "a failure",
    { flag: "failure", code: "order-shipped", message: 'order "A&B<1>]]>" is DELIVERED: cannot be cancelled' },
  ],
];
const call = { endpoint: "http://127.0.0.1/qimen", attempt: 1 };

describe("answer dialects", () => {
  for (const dialect of ANSWER_DIALECTS) {
    for (const [what, answer] of ANSWERS) {
      it(`${dialect.name}: ${what} reads the same to the SDK and to our client`, () => {
        const written = dialect.write(answer);
        const body = new TextEncoder().encode(written.body);
        const sdk = readAsSdk({ status: 200, contentType: written.contentType, body });
        const ours = interpretAnswer(200, body, call);
        if (!("ok" in ours)) throw ours;
        const keeps = answer.flag === "success" ? { flag: answer.flag } : answer;
        expect(sdk.readable ? { flag: sdk.flag, code: sdk.code, message: sdk.message } : sdk).to.include(keeps);
        expect({ ...ours.response, source: undefined }).to.include(keeps);
        expect(sdk.readable && sdk.success).to.equal(answer.flag === "success");
        if (answer.flag === "success" && sdk.readable) expect([undefined, "0", "0000"]).to.include(sdk.code);
      });
    }
  }

  it("writes each answer differently in each dialect, under distinct names", () => {
    const written = ANSWER_DIALECTS.map((dialect) => JSON.stringify(dialect.write(SUCCESS)));
    expect(new Set(written).size).to.equal(ANSWER_DIALECTS.length);
    expect(new Set(ANSWER_DIALECTS.map(({ name }) => name)).size).to.equal(ANSWER_DIALECTS.length);
  });

  it("rotates by call number, the same every time", () => {
    const names = Array.from({ length: ANSWER_DIALECTS.length + 2 }, (_, index) => dialectOfCall(index + 1).name);
    expect(names).to.deep.equal([
      ...ANSWER_DIALECTS.map(({ name }) => name),
      ANSWER_DIALECTS[0]?.name,
      ANSWER_DIALECTS[1]?.name,
    ]);
  });
});
