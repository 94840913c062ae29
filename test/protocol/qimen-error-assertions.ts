import { expect } from "chai";
import { QimenError, type QimenErrorCode } from "../../src/protocol/index.js";

/**
 * Runs `action`, which must throw a QimenError (never a TypeError or anything else) with `code`
 * and a message matching `message`; returns the error for further checks.
 */
export function expectQimenError(action: () => unknown, code: QimenErrorCode, message: RegExp): QimenError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "expected a QimenError to be thrown").to.be.instanceOf(QimenError);
  const error = thrown as QimenError;
  expect({ code: error.code, name: error.name }).to.deep.equal({ code, name: "QimenError" });
  expect(error.message).to.match(message);
  return error;
}
