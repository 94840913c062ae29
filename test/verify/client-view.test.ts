import { expect } from "chai";
import { clientView, type ClientView } from "../../provider-verify/client-view.js";
import { interpretAnswer } from "../../src/client/qimen-client.js";
import { QimenDeliveryError, type QimenErrorCode } from "../../src/index.js";

const UTF8_BOM = "\uFEFF";

/*
 * The gate's second opinion is the ERP client's own: for each answer, the verdict's view and what
 * the client's interpretAnswer makes of it (the result it resolves with, or the code it rejects
 * with) agree, because the one is read from the other.
 */
const ANSWERS: readonly {
  readonly name: string;
  readonly status?: number;
  readonly body: string | Buffer;
  readonly view: ClientView;
  /** The code of the QimenDeliveryError the client rejects with; absent when it resolves. */
  readonly rejects?: QimenErrorCode;
}[] = [
  {
    name: "a success with code and message",
    body: "<response><flag>success</flag><code>0</code><message>ok</message></response>",
    view: { accepts: true, flag: "success", code: "0", message: "ok" },
  },
  {
    name: "a success with only <flag>, after a byte-order mark",
    body: `${UTF8_BOM}<response><flag>success</flag></response>`,
    view: { accepts: true, flag: "success" },
  },
  {
    name: "a failure whose code and message are the literal null",
    body: "<response><flag>failure</flag><code>null</code><message>null</message></response>",
    view: { accepts: true, flag: "failure" },
  },
  {
    name: "a business failure of the WMS",
    body: "<response><flag>failure</flag><code>-1</code><message>订单已发货</message></response>",
    view: { accepts: true, flag: "failure", code: "-1", message: "订单已发货" },
  },
  {
    name: "HTTP 500 with a valid success body",
    status: 500,
    body: "<response><flag>success</flag></response>",
    view: { accepts: false, reason: "HTTP 500 instead of 200" },
    rejects: "QIMEN_HTTP_STATUS",
  },
  {
    name: "the gateway's TOP15",
    body: "<response><flag>failure</flag><code>TOP15</code><message>Remote service error | isp.http-closed</message></response>",
    view: { accepts: false, reason: "code TOP15 is the Qimen gateway's, never a WMS's answer" },
    rejects: "QIMEN_GATEWAY_ERROR",
  },
  {
    name: "TOP's <error_response>",
    body: "<error_response><code>7</code><msg>App Call Limited</msg></error_response>",
    view: { accepts: false, reason: "code 7 is the Qimen gateway's, never a WMS's answer" },
    rejects: "QIMEN_GATEWAY_ERROR",
  },
  {
    name: "a duplicated <flag>",
    body: "<response><flag>success</flag><flag>success</flag></response>",
    view: {
      accepts: false,
      reason: "Not a Qimen order.cancel response: <response> contains <flag> more than once",
    },
    rejects: "QIMEN_RESPONSE_UNRECOGNISED",
  },
];

describe("verify: the ERP client's view of an answer is the client's own", () => {
  for (const { name, status = 200, body, view, rejects } of ANSWERS) {
    it(`${view.accepts ? "accepts" : "rejects"} ${name}, as the client does`, () => {
      const bytes = Buffer.from(body);
      const outcome = interpretAnswer(status, bytes, { endpoint: "http://wms.test/qimen", attempt: 1 });
      expect({
        view: clientView(status, bytes),
        client: outcome instanceof QimenDeliveryError ? outcome.code : `resolves ${outcome.response.flag}`,
      }).to.deep.equal({ view, client: rejects ?? `resolves ${view.accepts ? view.flag : ""}` });
    });
  }
});
