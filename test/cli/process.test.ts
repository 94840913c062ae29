import { expect } from "chai";
import { once } from "node:events";
import { request, type IncomingMessage } from "node:http";
import { text } from "node:stream/consumers";
import { LISTENING_PREFIX, SHUTTING_DOWN_PREFIX } from "../../cli/wms-command.js";
import { createQimenClient } from "../../src/client/qimen-client.js";
import { encodeCancelRequest } from "../../src/protocol/request-codec.js";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET, type SandboxWmsUrls } from "../../src/wms/sandbox.js";
import { spawnCli, type CliProcess } from "../support/cli-process.js";
import { startLoopbackServer, type LoopbackServer } from "../support/loopback-server.js";
import {
  CANCEL_NEW_ORDER,
  CANCELLED,
  NEW_ORDER,
  setState,
  signedParams,
  toReply,
  toSearch,
  type QimenReply,
} from "../wms/harness.js";

const PROVIDER_STATES_PREFIX = "provider states: ";

/** The URLs a running `qimen-pact wms` printed on its first two lines. */
async function servedUrls(wms: CliProcess): Promise<SandboxWmsUrls> {
  const qimenUrl = new URL((await wms.firstLine).slice(LISTENING_PREFIX.length));
  const stateLine = await wms.line((line) => line.startsWith(PROVIDER_STATES_PREFIX));
  return { qimenUrl, stateChangeUrl: new URL(stateLine.slice(PROVIDER_STATES_PREFIX.length)) };
}

interface SlowUpload {
  /** Sends the rest of the body. */
  finish(): void;
  readonly answer: Promise<{
    status: number | undefined;
    contentType: string | undefined;
    connection: string | undefined;
    reply: QimenReply;
  }>;
}

/**
 * A cancel of NEW_ORDER, signed with the sandbox's default credentials, whose headers and part of
 * the body are sent; resolves once the WMS is handling it. `Expect: 100-continue` makes that
 * observable: node:http writes "100 Continue" just before it hands the call to the sandbox.
 */
async function slowUpload(qimenUrl: URL): Promise<SlowUpload> {
  const body = encodeCancelRequest(CANCEL_NEW_ORDER);
  const params = signedParams({
    body,
    appKey: SANDBOX_APP_KEY,
    secret: SANDBOX_SECRET,
    timestamp: formatBeijingTimestamp(new Date()),
  });
  const upload = request(`${qimenUrl.href}?${toSearch(params)}`, {
    method: "POST",
    agent: false,
    headers: {
      "content-type": "text/xml;charset=utf-8",
      "content-length": Buffer.byteLength(body),
      expect: "100-continue",
    },
  });
  const answer = (once(upload, "response") as Promise<[IncomingMessage]>).then(async ([response]) => ({
    status: response.statusCode,
    contentType: response.headers["content-type"],
    connection: response.headers.connection,
    reply: toReply(await text(response)),
  }));
  const handling = once(upload, "continue");
  upload.write(body.slice(0, 20));
  await handling;
  return { finish: () => upload.end(body.slice(20)), answer };
}

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

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`wms on ${signal} answers an upload still arriving in full, then exits 0 by itself`, async () => {
      const wms = start(["wms", "--port", "0"]);
      const urls = await servedUrls(wms);
      expect((await setState(urls, "an order exists", { ...NEW_ORDER })).status).to.equal(200);
      const upload = await slowUpload(urls.qimenUrl);

      wms.child.kill(signal);
      expect(await wms.line((line) => line.startsWith(SHUTTING_DOWN_PREFIX))).to.equal(
        `${SHUTTING_DOWN_PREFIX}draining 1 call`,
      );
      upload.finish();
      expect(await upload.answer).to.deep.equal({
        status: 200,
        contentType: "text/xml;charset=utf-8",
        connection: "close",
        reply: CANCELLED,
      });
      expect(await wms.exit).to.deep.equal({ code: 0, signal: null });
    });
  }

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
