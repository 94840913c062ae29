import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { decodeCancelRequest } from "../../src/protocol/request-codec.js";
import { createSandboxWms, type SandboxWmsOptions } from "../../src/wms/sandbox.js";

/** An answer as it goes over the wire. */
export interface WireAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
  /** Headers besides Content-Type and Content-Length, e.g. a redirect's Location. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a variant knows about the call it answers. */
export interface CallContext {
  /** The call's `<orderCode>`, "" when the body has none. */
  readonly orderCode: string;
  /** `status` param of the last "an order exists" setup for the call's orderCode. */
  readonly orderStatus: string | undefined;
  /** The call's raw query string, sign included. */
  readonly search: string;
  /** The call's HTTP headers, as received. */
  readonly headers: IncomingHttpHeaders;
  /** The call's body, as received. */
  readonly body: Buffer;
}

/** What a variant knows about a state-change call it answers. */
export interface StateCallContext extends Pick<CallContext, "search" | "headers"> {
  /** `setup` or `teardown`. */
  readonly action: string;
}

/**
 * How a connection can fail a caller once the call is read:
 * - `close-before-answer`: the connection is closed without a byte of answer;
 * - `reset-mid-answer`: headers and half the body are sent, then the connection is reset (RST);
 * - `stall-mid-answer`: headers and half the body are sent, the rest never comes;
 * - `close-after-continue`: an informational `100 Continue` is sent, then the connection is closed.
 */
export type TransportFault = "close-before-answer" | "reset-mid-answer" | "stall-mid-answer" | "close-after-continue";

/**
 * A WMS that behaves like the sandbox except where it deliberately differs: it may run the
 * sandbox with other options, alter each call before the sandbox sees it, alter (or replace)
 * the sandbox's answer, or fail the connection instead of answering in full.
 */
export interface WmsVariant {
  readonly name: string;
  readonly sandbox?: SandboxWmsOptions;
  readonly alterCall?: (body: Buffer) => Buffer;
  readonly alterAnswer?: (answer: WireAnswer, context: CallContext) => WireAnswer;
  /** Alters the answer of the state-change endpoint, told the state call's query, headers and action. */
  readonly alterStateAnswer?: (answer: WireAnswer, call: StateCallContext) => WireAnswer;
  readonly fault?: (context: CallContext) => TransportFault | undefined;
  /** Sends `102 Processing` and an unsolicited `100 Continue` before each Qimen answer, as RFC 9110 lets a server. */
  readonly informational?: boolean;
  /** Writes each Qimen answer's body in two chunks (chunked encoding), split inside its first multi-byte character. */
  readonly splitInsideCharacter?: boolean;
}

export interface RunningVariant {
  readonly qimenUrl: URL;
  readonly stateChangeUrl: URL;
  close(): Promise<void>;
}

/**
 * Starts the sandbox (on its own loopback port) and, in front of it, the variant (on another),
 * which relays provider-state calls unchanged and Qimen calls through its alterations.
 */
export async function startVariant(variant: WmsVariant): Promise<RunningVariant> {
  const sandbox = createSandboxWms(variant.sandbox);
  const upstream = await sandbox.listen();
  const statusByOrder = new Map<string, string>();
  const front = createServer((incoming, outgoing) => {
    void relay(incoming).then(
      ({ answer, fault, isState }) => {
        if (!isState && (variant.informational === true || fault === "close-after-continue")) {
          outgoing.writeProcessing();
          outgoing.writeContinue();
        }
        if (fault === "close-before-answer" || fault === "close-after-continue") {
          outgoing.socket?.destroy();
          return;
        }
        const split = isState || variant.splitInsideCharacter !== true ? undefined : insideFirstCharacter(answer.body);
        outgoing.writeHead(answer.status, {
          ...answer.headers,
          "content-type": answer.contentType,
          ...(split === undefined ? { "content-length": answer.body.length } : {}),
        });
        if (split !== undefined) {
          outgoing.write(answer.body.subarray(0, split));
          outgoing.end(answer.body.subarray(split));
          return;
        }
        if (fault === undefined) {
          outgoing.end(answer.body);
          return;
        }
        outgoing.write(answer.body.subarray(0, answer.body.length >> 1), () => {
          if (fault === "reset-mid-answer") outgoing.socket?.resetAndDestroy();
        });
      },
      (error: unknown) => {
        outgoing.writeHead(500, { "content-type": "text/plain" });
        outgoing.end(`variant relay failed: ${String(error)}`);
      },
    );
  });

  async function relay(
    incoming: IncomingMessage,
  ): Promise<{ answer: WireAnswer; fault?: TransportFault; isState: boolean }> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(incoming.url ?? "/", "http://variant");
    const isState = url.pathname === upstream.stateChangeUrl.pathname;
    const action = isState ? rememberState(body) : "";
    const target = new URL(url.pathname + url.search, isState ? upstream.stateChangeUrl : upstream.qimenUrl);
    const sent = isState || variant.alterCall === undefined ? body : variant.alterCall(body);
    const response = await request(target, {
      method: "POST",
      headers: { "content-type": incoming.headers["content-type"] ?? "text/xml;charset=utf-8" },
      body: sent,
    });
    const answer: WireAnswer = {
      status: response.statusCode,
      contentType: String(response.headers["content-type"] ?? ""),
      body: Buffer.from(await response.body.arrayBuffer()),
    };
    if (isState) {
      const call = { search: url.search.slice(1), headers: incoming.headers, action };
      return {
        answer: variant.alterStateAnswer === undefined ? answer : variant.alterStateAnswer(answer, call),
        isState,
      };
    }
    const orderCode = orderCodeOf(body);
    const context: CallContext = {
      orderCode,
      orderStatus: statusByOrder.get(orderCode),
      search: url.search.slice(1),
      headers: incoming.headers,
      body,
    };
    const fault = variant.fault?.(context);
    return {
      answer: variant.alterAnswer === undefined ? answer : variant.alterAnswer(answer, context),
      ...(fault === undefined ? {} : { fault }),
      isState,
    };
  }

  /** Remembers the status a setup gives its order; resolves to the call's action. */
  function rememberState(body: Buffer): string {
    const change = JSON.parse(body.toString("utf8")) as { action?: string; params?: Record<string, unknown> };
    const { orderCode, status } = change.params ?? {};
    if (change.action === "setup" && typeof orderCode === "string" && typeof status === "string") {
      statusByOrder.set(orderCode, status);
    }
    return change.action ?? "";
  }

  front.listen(0, "127.0.0.1");
  await once(front, "listening");
  const origin = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  return {
    qimenUrl: new URL(upstream.qimenUrl.pathname, origin),
    stateChangeUrl: new URL(upstream.stateChangeUrl.pathname, origin),
    async close() {
      front.closeAllConnections();
      front.close();
      await once(front, "close");
      await sandbox.close();
    },
  };
}

/** An offset in the middle of the first multi-byte UTF-8 character of `body` (one after its lead byte). */
function insideFirstCharacter(body: Buffer): number {
  const lead = body.findIndex((byte) => byte >= 0xc0);
  if (lead === -1) throw new Error("splitInsideCharacter needs an answer with a multi-byte character");
  return lead + 1;
}

function orderCodeOf(body: Buffer): string {
  try {
    return decodeCancelRequest(body).request.orderCode;
  } catch {
    return "";
  }
}

/** The answer's XML text with `replace` applied. */
export function rewriteXml(replace: (xml: string) => string): (answer: WireAnswer) => WireAnswer {
  return (answer) => ({ ...answer, body: Buffer.from(replace(answer.body.toString("utf8")), "utf8") });
}

/** A whole new `<response>` answer. */
export function xmlAnswer(xml: string, contentType = "text/xml;charset=utf-8"): WireAnswer {
  return { status: 200, contentType, body: Buffer.from(xml, "utf8") };
}

/** 订单已发货 ("order shipped") in GBK: what a WMS sends when it writes GBK but declares UTF-8. */
export const GBK_ORDER_SHIPPED = Buffer.from([0xb6, 0xa9, 0xb5, 0xa5, 0xd2, 0xd1, 0xb7, 0xa2, 0xbb, 0xf5]);
