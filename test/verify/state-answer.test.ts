import { expect } from "chai";
import { stateAnswerFailure } from "../../provider-verify/state-answer.js";

/** [body, fails?]: every rule's breaking answer and its nearest harmless twin. */
const ANSWERS: readonly (readonly [string, boolean])[] = [
  ['{"success":false,"message":"cannot seed SO-1"}', true],
  ['{"success":"false"}', true],
  ['{"success":"False"}', true],
  ['\uFEFF{"success":false}', true],
  ['{"success":true}', false],
  ['\uFEFF{"success":true}', false],
  ['{"success":"falsely accused"}', false],
  ['{"code":"E1001","message":"order exists"}', true],
  ['{"code":-1}', true],
  ['{"code":201}', true],
  ['{"code":"0","message":"ok"}', false],
  ['{"code":0}', false],
  ['{"code":"0000"}', false],
  ['{"code":"200"}', false],
  ['{"code":200}', false],
  ['{"code":"SUCCESS"}', false],
  ['{"code":"ok"}', false],
  ['{"code":null}', false],
  ['{"error":"no such state"}', true],
  ['{"error":{"reason":"db down"}}', true],
  ['{"error":null}', false],
  ['{"error":false}', false],
  ['{"error":""}', false],
  ["{}", false],
  ["", false],
  ["OK", false],
  ["[false]", false],
  ['{"orderId":"WMS-1"}', false],
];

describe("state-change answers: a 2xx body that says the change failed", () => {
  for (const [body, fails] of ANSWERS) {
    it(`${JSON.stringify(body)} ${fails ? "fails" : "is success"}`, () => {
      expect(stateAnswerFailure(200, Buffer.from(body)) !== undefined).to.equal(fails);
    });
  }

  it("says what the endpoint answered and what to do instead", () => {
    expect(stateAnswerFailure(200, Buffer.from('{ "success": false, "message": "cannot seed" }'))).to.equal(
      'the state-change endpoint answered 200 but said it failed: {"success": false, "message": "cannot seed"} (answer 4xx/5xx when a state cannot be set, 2xx only when it is)',
    );
  });

  it("says a failure nested deeper than JSON.stringify goes, showing its fields by kind, never the whole body", () => {
    const deep = `${"[".repeat(6_000)}${"]".repeat(6_000)}`;
    const body = `{"success":false,"error":${deep},"message":"${"x".repeat(1_000)}","detail":${deep}}`;
    expect(stateAnswerFailure(200, Buffer.from(body))).to.equal(
      `the state-change endpoint answered 200 but said it failed: {"success": false, "error": […], "message": "${"x".repeat(299)}…} (answer 4xx/5xx when a state cannot be set, 2xx only when it is)`,
    );
  });

  it("keeps 201 and 204 with an empty body success", () => {
    expect([stateAnswerFailure(201, Buffer.alloc(0)), stateAnswerFailure(204, Buffer.alloc(0))]).to.deep.equal([
      undefined,
      undefined,
    ]);
  });
});
