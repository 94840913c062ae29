import { expect } from "chai";
import { BENCH_CALLER, benchCancel, benchOrder } from "../support/bench-orders.js";
import { runSignedLoad, type LoadAnswer, type SignedLoadResult } from "../support/signed-load.js";
import { decodeResponse } from "../../src/protocol/response-codec.js";
import { createSandboxWms, type SandboxWms } from "../../src/wms/sandbox.js";
import { STAMINA } from "./knobs.js";

const CONNECTIONS = 50;
const NOW = new Date("2025-01-15T02:30:00.000Z");

/*
 * The sandbox under 50 concurrent connections for a bounded number of requests, every request
 * signed afresh and cancelling an order of its own: nothing may be lost, doubled or garbled.
 */
describe(`stamina: ${STAMINA.loadRequests} signed cancels over ${CONNECTIONS} connections`, function () {
  const count = STAMINA.loadRequests;
  const orders = Array.from({ length: count }, (_, index) => benchOrder(index));
  const answers: LoadAnswer[] = [];
  let wms: SandboxWms;
  let load: SignedLoadResult;

  before(async function () {
    this.timeout(Math.max(30_000, count * 20));
    wms = createSandboxWms({ credentials: { [BENCH_CALLER.appKey]: BENCH_CALLER.secret }, now: () => NOW });
    for (const order of orders) wms.store.put(order);
    const { qimenUrl } = await wms.listen();
    load = await runSignedLoad({
      url: qimenUrl,
      caller: { ...BENCH_CALLER, clock: () => NOW },
      cancels: orders.map((_, index) => benchCancel(index)),
      connections: CONNECTIONS,
      until: { requests: count },
      onAnswer: (answer) => void answers.push(answer),
    });
  });
  after(async () => {
    await wms?.close();
  });

  it("answers every request, without a connection error, a timeout or a status other than 2xx", () => {
    const { answered, errors, timeouts, non2xx } = load;
    expect({ answered, errors, timeouts, non2xx }).to.deep.equal({
      answered: count,
      errors: 0,
      timeouts: 0,
      non2xx: 0,
    });
  });

  it("answers each request once, with HTTP 200 and a valid envelope cancelling the request's own order", () => {
    const received = answers
      .map(({ sequence, cancel, status, body }) => ({ sequence, status, answer: decodeResponse(body), cancel }))
      .sort((a, b) => a.sequence - b.sequence);
    expect(received).to.deep.equal(
      orders.map((order, sequence) => ({
        sequence,
        status: 200,
        answer: { flag: "success", source: "wms", code: "0", message: `order "${order.orderCode}" cancelled` },
        cancel: benchCancel(sequence),
      })),
    );
  });

  it("applies every cancel exactly once: each seeded order ends CANCELED", () => {
    const byCode = (a: { orderCode: string }, b: { orderCode: string }) => (a.orderCode < b.orderCode ? -1 : 1);
    expect(wms.store.list().sort(byCode)).to.deep.equal(
      orders.map((order) => ({ ...order, status: "CANCELED" })).sort(byCode),
    );
  });
});
