import { once } from "node:events";
import { createInterface } from "node:readline";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { encodeResponse } from "../src/protocol/response-codec.js";
import { createSandboxWms } from "../src/wms/sandbox.js";
import { OrderStore } from "../src/wms/order-store.js";
import { BENCH_CALLER, BENCH_ORDER_COUNT, benchOrder } from "../test/support/bench-orders.js";

/**
 * `tsx bench/serve.ts sandbox|bare [--orders N]`: a server for the load benchmark, in a process of
 * its own. Prints `{"url": …}` once it listens; answers each stdin line `cpu` with
 * `{"cpuMicros": …}`, the CPU time it has used so far (rates vary with a shared machine's load,
 * CPU per request much less); stops when its stdin ends.
 * - sandbox: the sandbox WMS with N orders, checking signatures against BENCH_CALLER's secret;
 * - bare: node:http reading the body and answering the sandbox's success answer, fixed bytes.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  strict: true,
  options: { orders: { type: "string", default: String(BENCH_ORDER_COUNT) } },
});

async function start(kind: string | undefined): Promise<{ url: URL; close: () => Promise<void> }> {
  if (kind === "sandbox") {
    const store = new OrderStore();
    for (let index = 0; index < Number(values.orders); index++) store.put(benchOrder(index));
    const wms = createSandboxWms({ credentials: { [BENCH_CALLER.appKey]: BENCH_CALLER.secret }, store });
    const { qimenUrl } = await wms.listen();
    return { url: qimenUrl, close: () => wms.close() };
  }
  if (kind === "bare") {
    const answer = Buffer.from(encodeResponse({ flag: "success", code: "0", message: 'order "BENCH-1" cancelled' }));
    const server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(200, { "content-type": "text/xml;charset=utf-8", "content-length": answer.length });
        response.end(answer);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    return {
      url: new URL(`http://127.0.0.1:${port}/qimen`),
      close: async () => {
        server.closeAllConnections();
        server.close();
        await once(server, "close");
      },
    };
  }
  throw new Error(`usage: tsx bench/serve.ts sandbox|bare [--orders N], got ${String(kind)}`);
}

const server = await start(positionals[0]);
process.stdout.write(`${JSON.stringify({ url: server.url.href })}\n`);
for await (const command of createInterface({ input: process.stdin })) {
  if (command !== "cpu") throw new Error(`unknown command ${JSON.stringify(command)}: the only one is cpu`);
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuMicros: user + system })}\n`);
}
await server.close();
