import { expect } from "chai";
import { LISTENING_PREFIX } from "../../src/cli/wms-command.js";
import { createQimenClient } from "../../src/client/qimen-client.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { spawnCli, type CliProcess } from "../support/cli-process.js";
import { startLoopbackServer, type LoopbackServer } from "../support/loopback-server.js";

/** Signals and pipes only exist for a real process: these tests run qimen-pact as one. */
describe("qimen-pact as a process", () => {
  const processes: CliProcess[] = [];
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    for (const running of processes.splice(0)) {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL");
      await running.exit;
    }
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  function start(args: readonly string[]): CliProcess {
    const running = spawnCli(args);
    processes.push(running);
    return running;
  }

  it("wms exits 0 on SIGTERM, saying it stopped", async () => {
    const wms = start(["wms", "--port", "0"]);
    expect(await wms.firstLine).to.match(new RegExp(`^${LISTENING_PREFIX}http://127\\.0\\.0\\.1:\\d+/qimen$`));
    wms.child.kill("SIGTERM");
    expect(await wms.exit).to.deep.equal({ code: 0, signal: null });
    expect(wms.stdout()).to.match(/\nqimen sandbox WMS stopped\n$/);
  });

  it("wms keeps serving when its stdout reader goes away (| head -1), then exits 0 on SIGTERM", async () => {
    const wms = start(["wms", "--port", "0"]);
    const qimenUrl = (await wms.firstLine).slice(LISTENING_PREFIX.length);
    wms.child.stdout.destroy();
    const client = createQimenClient({
      endpoint: qimenUrl,
      appKey: SANDBOX_APP_KEY,
      secret: SANDBOX_SECRET,
      customerId: "any-customer",
    });
    try {
      // Logged on the closed pipe: EPIPE. The WMS must still answer, here that it knows no such order.
      const result = await client.cancelOrder({ warehouseCode: "W1", orderCode: "NO-SUCH-ORDER" });
      expect({ ok: result.ok, code: result.response.code }).to.deep.equal({ ok: false, code: "order-not-found" });
    } finally {
      await client.close();
    }
    wms.child.kill("SIGTERM");
    expect({ exit: await wms.exit, stderr: wms.stderr() }).to.deep.equal({
      exit: { code: 0, signal: null },
      stderr: `qimen-pact wms: using the TEST-ONLY default credentials (app_key ${SANDBOX_APP_KEY})\n`,
    });
  });

  it("cancel stops at Ctrl-C while waiting for the WMS, printing QIMEN_ABORTED and exiting 130", async () => {
    // Interrupted once the WMS holds the request, as a user pressing Ctrl-C while it hangs.
    const server = await startLoopbackServer(() => cancel.child.kill("SIGINT"));
    servers.push(server);
    const cancel = start([
      ...["cancel", "--url", server.endpoint, "--app-key", "k", "--secret", "s", "--customer-id", "c"],
      ...["--warehouse-code", "W1", "--order-code", "O1", "--read-timeout-ms", "20000", "--json"],
    ]);
    expect(await cancel.exit).to.deep.equal({ code: 130, signal: null });
    const printed = JSON.parse(cancel.stdout()) as { outcome: string; error: Record<string, unknown> };
    expect({
      outcome: printed.outcome,
      code: printed.error["code"],
      delivery: printed.error["delivery"],
    }).to.deep.equal({ outcome: "error", code: "QIMEN_ABORTED", delivery: "unknown" });
  });
});
