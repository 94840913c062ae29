import { expect } from "chai";
import * as verifyApi from "../provider-verify/index.js";
import * as api from "../src/index.js";

/*
 * The public API is what README documents, no more: a name added or removed here is a change to
 * the package's contract with its users, made on purpose.
 */

const API = [
  "DEFAULT_CONNECT_TIMEOUT_MS",
  "DEFAULT_READ_TIMEOUT_MS",
  "DELIVERY_MEANINGS",
  "ORDER_CANCEL_METHOD",
  "ORDER_TYPES",
  "ORDER_TYPE_CODES",
  "OptionError",
  "QimenDeliveryError",
  "QimenError",
  "SANDBOX_APP_KEY",
  "SANDBOX_SECRET",
  "SIGN_METHODS",
  "computeSign",
  "createQimenClient",
  "createSandboxWms",
  "decodeCancelRequest",
  "decodeResponse",
  "encodeCancelRequest",
  "encodeResponse",
  "formatBeijingTimestamp",
  "informationalTolerantConnector",
  "isQimenError",
  "parseBeijingTimestamp",
  "readAsSdk",
  "signQuery",
  "verifySign",
];

const VERIFY_API = [
  "DEFAULT_TIMEOUT_MS",
  "PASSED_ALONE_NOTE",
  "VERIFIED_ALONE_NOTE",
  "consoleReport",
  "jsonReport",
  "junitReport",
  "loadContracts",
  "mergeReports",
  "parseJsonReport",
  "parsePart",
  "verifyProvider",
];

describe("the public API", () => {
  it("qimen-pact exports exactly the documented runtime names", () => {
    expect(Object.keys(api).sort()).to.deep.equal([...API].sort());
  });

  it("qimen-pact/verify exports exactly the documented runtime names", () => {
    expect(Object.keys(verifyApi).sort()).to.deep.equal([...VERIFY_API].sort());
  });
});
