import { expect } from "chai";
import { createQimenClient, QimenDeliveryError, type CancelResult } from "../../src/client/index.js";
import { createAnswerRelay } from "../../src/wms/answer-relay.js";
import { ANSWER_DIALECTS } from "../../src/wms/answer-dialects.js";
import { parseFaultSpec } from "../../src/wms/gateway-faults.js";
import type { ObservedCall } from "../../src/wms/observed-call.js";
import { APP_KEY, CANCEL_NEW_ORDER, FIXED_NOW, NEW_ORDER, SECRET, startSandbox } from "./harness.js";

/**
 * Each gateway fault as our own ERP client sees it, and what it did to the document: the faults a
 * correct ERP must tell apart (docs/protocol.md §3, README's delivery table).
 */
const FAULTS: readonly (readonly [spec: string, seen: Record<string, unknown>, status: string])[] = [
  [
    "read-timeout@every=1",
    { code: "QIMEN_GATEWAY_ERROR", ispCode: "isp.http-read-timeout", delivery: "maybe-applied" },
    "CANCELED",
  ],
  [
    "connection-timeout@every=1",
    { code: "QIMEN_GATEWAY_ERROR", ispCode: "isp.http-connection-timeout", delivery: "not-reached" },
    "NEW",
  ],
  [
    "refuse@every=1",
    { code: "QIMEN_GATEWAY_ERROR", ispCode: "isp.http-connection-refuse", delivery: "not-reached" },
    "NEW",
  ],
  ["closed@every=1", { code: "QIMEN_GATEWAY_ERROR", ispCode: "isp.http-closed", delivery: "unknown" }, "CANCELED"],
  ["502@every=1", { code: "QIMEN_HTTP_STATUS", ispCode: undefined, delivery: "unknown" }, "CANCELED"],
  ["reset@every=1", { code: "QIMEN_CONNECTION_CLOSED", ispCode: "isp.http-closed", delivery: "unknown" }, "CANCELED"],
];

async function cancelThrough(relay: ReturnType<typeof createAnswerRelay>, calls = 1) {
  const observed: ObservedCall[] = [];
  const sandbox = await startSandbox({ relay, onQimenCall: (call) => void observed.push(call) });
  sandbox.wms.store.put(NEW_ORDER);
  const client = createQimenClient({
    endpoint: sandbox.qimenUrl.href,
    appKey: APP_KEY,
    secret: SECRET,
    customerId: "c",
    clock: () => FIXED_NOW,
  });
  const outcomes: (CancelResult | QimenDeliveryError)[] = [];
  try {
    for (let call = 0; call < calls; call++) {
      outcomes.push(
        await client.cancelOrder(CANCEL_NEW_ORDER).catch((error: unknown) => {
          if (error instanceof QimenDeliveryError) return error;
          throw error;
        }),
      );
    }
    return { outcomes, observed, status: sandbox.wms.store.list()[0]?.status };
  } finally {
    await client.close();
    await sandbox.wms.close();
  }
}

describe("gateway faults on the wire, as our ERP client sees them", () => {
  for (const [spec, seen, status] of FAULTS) {
    it(`${spec}: ${String(seen["ispCode"] ?? seen["code"])}, ${String(seen["delivery"])}; the document is ${status}`, async () => {
      const run = await cancelThrough(createAnswerRelay({ dialects: false, faults: parseFaultSpec(spec) }));
      const [error] = run.outcomes;
      expect(error).to.be.instanceOf(QimenDeliveryError);
      const { code, ispCode, delivery } = error as QimenDeliveryError;
      expect({ code, ispCode, delivery }).to.deep.equal(seen);
      expect(run.status).to.equal(status);
      // The WMS's own answer stays what the recorder judges, whether applied or judged on a copy.
      expect(
        run.observed.map(({ answer, relayed }) => ({ flag: answer.flag, fault: relayed?.fault?.kind })),
      ).to.deep.equal([{ flag: "success", fault: spec.split("@")[0] }]);
    });
  }

  it("delay=MS: the real answer arrives, late, and the cancel is applied", async () => {
    const run = await cancelThrough(createAnswerRelay({ dialects: false, faults: parseFaultSpec("delay=25@every=1") }));
    expect(run.outcomes.map((outcome) => "ok" in outcome && outcome.ok)).to.deep.equal([true]);
    expect(run.status).to.equal("CANCELED");
    expect(run.observed[0]?.relayed).to.deep.equal({ fault: { kind: "delay", delayMs: 25 } });
  });

  it("a not-applied fault leaves the document for the retry, which the gateway lets through", async () => {
    const run = await cancelThrough(
      createAnswerRelay({ dialects: false, faults: parseFaultSpec("refuse@orderCode=O-*") }),
      2,
    );
    expect(run.outcomes.map((outcome) => "ok" in outcome && outcome.ok)).to.deep.equal([false, true]);
    expect(run.status).to.equal("CANCELED");
  });
});

describe("answer dialects on the wire", () => {
  it("every dialect in turn, each read by our client as the same success, and named for the recorder", async () => {
    const run = await cancelThrough(createAnswerRelay({ dialects: true, faults: [] }), ANSWER_DIALECTS.length);
    expect(run.outcomes.map((outcome) => "ok" in outcome && outcome.ok)).to.deep.equal(ANSWER_DIALECTS.map(() => true));
    expect(run.observed.map(({ relayed }) => relayed?.dialect)).to.deep.equal(ANSWER_DIALECTS.map(({ name }) => name));
  });
});
