import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { request } from "undici";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { LISTENING_PREFIX } from "../../cli/wms-command.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET, UPLOAD_DISCARD_BYTES } from "../../src/wms/sandbox.js";
import { spawnCli, type CliProcess } from "../support/cli-process.js";
import { rawSocket } from "../support/raw-http.js";
import { CANCEL_NEW_ORDER_BODY, NEW_ORDER, signedParams, toSearch } from "../wms/harness.js";

/** Generous: the process itself (Node and tsx) takes about a third of it. */
const MAX_PEAK_RSS_BYTES = 300 * 1024 * 1024;

/** The peak resident set of a process, from Linux's /proc (VmHWM). */
function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

describe("stamina: the sandbox's memory under hostile bodies", function () {
  this.timeout(120_000);
  let wms: CliProcess;
  let qimenUrl: URL;
  let stateChangeUrl: URL;

  before(async function () {
    // Measured through /proc: elsewhere there is nothing to read the peak from.
    if (!existsSync("/proc/self/status")) this.skip();
    wms = spawnCli(["wms", "--port", "0"]);
    const first = await wms.firstLine;
    expect(first.startsWith(LISTENING_PREFIX), first).to.equal(true);
    qimenUrl = new URL(first.slice(LISTENING_PREFIX.length));
    stateChangeUrl = new URL("/pact/provider-states", qimenUrl);
  });
  after(async () => {
    if (wms === undefined) return;
    wms.child.kill("SIGTERM");
    await wms.exit;
  });

  /** A call signed with the sandbox's TEST-ONLY credentials and its real clock. */
  const signedUrl = (body: string | Uint8Array): string =>
    `${qimenUrl.href}?${toSearch(
      signedParams({
        body,
        appKey: SANDBOX_APP_KEY,
        secret: SANDBOX_SECRET,
        timestamp: formatBeijingTimestamp(new Date()),
      }),
    )}`;

  async function post(url: string | URL, body: string | Uint8Array): Promise<number> {
    const answer = await request(url, { method: "POST", headers: { "content-type": "text/xml" }, body });
    await answer.body.text();
    return answer.statusCode;
  }

  /** Declares twice the discard cap and writes until the sandbox cuts the connection. */
  async function uploadPastTheCap(): Promise<void> {
    const { socket, closed } = rawSocket(Number(qimenUrl.port));
    const declared = UPLOAD_DISCARD_BYTES * 2;
    socket.write(`POST ${qimenUrl.pathname} HTTP/1.1\r\nHost: a\r\nContent-Length: ${declared}\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, "<");
    for (let written = 0; written < declared && !socket.destroyed; written += chunk.length) {
      if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
    }
    await closed;
  }

  it(`stays under ${MAX_PEAK_RSS_BYTES / 1024 / 1024} MB at its peak, and still cancels afterwards`, async () => {
    const cdataOpeners = `<request>${"<![CDATA[".repeat(29_000)}</request>`;
    const deepNesting = `${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}`;
    const fiveMegabytes = Buffer.alloc(5 * 1024 * 1024, "<");
    const deepJson = `{"state": "no order exists", "action": ${"[".repeat(30_000)}${"]".repeat(30_000)}}`;
    const statuses = await Promise.all([
      ...Array.from({ length: 4 }, () => post(signedUrl(cdataOpeners), cdataOpeners)),
      ...Array.from({ length: 4 }, () => post(signedUrl(deepNesting), deepNesting)),
      ...Array.from({ length: 4 }, () => post(signedUrl(fiveMegabytes), fiveMegabytes)),
      ...Array.from({ length: 4 }, () => post(stateChangeUrl, deepJson)),
    ]);
    await uploadPastTheCap();
    expect(statuses).to.deep.equal([...Array.from({ length: 12 }, () => 200), ...Array.from({ length: 4 }, () => 400)]);

    const setup = { state: "an order exists", params: NEW_ORDER, action: "setup" };
    expect(await post(stateChangeUrl, JSON.stringify(setup))).to.equal(200);
    const answer = await request(signedUrl(CANCEL_NEW_ORDER_BODY), {
      method: "POST",
      headers: { "content-type": "text/xml;charset=utf-8" },
      body: CANCEL_NEW_ORDER_BODY,
    });
    expect(await answer.body.text()).to.include("<flag>success</flag>");
    expect(peakRss(wms.child.pid as number)).to.be.below(MAX_PEAK_RSS_BYTES);
  });
});
