import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET, type SandboxWms } from "../../src/wms/sandbox.js";

/*
 * A WMS that lacks one check: the sandbox behind a front that, for a call showing exactly one
 * defect, does what a WMS without that check does: repairs the call (re-signs it, fixes the
 * timestamp, renames the root...) so the sandbox accepts it, or answers HTTP 500 as a WMS whose
 * code throws on it. Every other call reaches the sandbox untouched.
 */

export interface LaxCall {
  readonly params: URLSearchParams;
  readonly body: Buffer;
}

/** What the front does with a call: forward it (perhaps repaired), or answer it itself. */
export type LapseOutcome = LaxCall | { readonly status: number; readonly contentType: string; readonly body: string };

/** Undefined when the call does not show the lapse's defect: then it is forwarded as it came. */
export type Lapse = (call: LaxCall) => LapseOutcome | undefined;

export interface LaxWms {
  readonly qimenUrl: URL;
  readonly stateChangeUrl: URL;
  readonly sandbox: SandboxWms;
  close(): Promise<void>;
}

export const CUSTOMER_ID = "probe-customer";

export async function startLaxWms(lapse: Lapse | undefined): Promise<LaxWms> {
  const sandbox = createSandboxWms({ customerId: CUSTOMER_ID, credentials: { [SANDBOX_APP_KEY]: SANDBOX_SECRET } });
  const upstream = await sandbox.listen();
  const front = createServer((incoming, outgoing) => {
    relay(incoming, outgoing, upstream, lapse).catch((error: unknown) => {
      outgoing.writeHead(502, { "content-type": "text/plain" });
      outgoing.end(`lax front failed: ${String(error)}`);
    });
  });
  front.listen(0, "127.0.0.1");
  await once(front, "listening");
  const origin = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  return {
    qimenUrl: new URL(upstream.qimenUrl.pathname, origin),
    stateChangeUrl: new URL(upstream.stateChangeUrl.pathname, origin),
    sandbox,
    async close() {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
      await sandbox.close();
    },
  };
}

async function relay(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  upstream: { readonly qimenUrl: URL; readonly stateChangeUrl: URL },
  lapse: Lapse | undefined,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const url = new URL(incoming.url ?? "/", "http://front");
  const call: LaxCall = { params: new URLSearchParams(url.search), body: Buffer.concat(chunks) };
  const isState = url.pathname === upstream.stateChangeUrl.pathname;
  const outcome = isState ? call : (lapse?.(call) ?? call);
  if ("status" in outcome) {
    outgoing.writeHead(outcome.status, { "content-type": outcome.contentType });
    outgoing.end(outcome.body);
    return;
  }
  const target = new URL(isState ? upstream.stateChangeUrl : upstream.qimenUrl);
  // Rebuilt from the parsed params, a duplicate kept: only a lapse removes it.
  target.search = isState ? url.search : `?${outcome.params.toString()}`;
  const response = await request(target, {
    method: "POST",
    headers: { "content-type": incoming.headers["content-type"] ?? "text/xml;charset=utf-8" },
    body: outcome.body,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  outgoing.writeHead(response.statusCode, { "content-type": String(response.headers["content-type"] ?? "") });
  outgoing.end(body);
}
