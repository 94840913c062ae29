import type { ServerResponse } from "node:http";
import { encodeResponse } from "../protocol/response-codec.js";
import { QIMEN_CONTENT_TYPE } from "../protocol/system-params.js";
import { dialectOfCall, type WrittenAnswer } from "./answer-dialects.js";
import { FAULT_KINDS, faultPlan, type FaultRule, type GatewayFault } from "./gateway-faults.js";
import { ANY_WAREHOUSE, OrderStore } from "./order-store.js";
import { orderCodeForLog, type QimenAnswer } from "./qimen-call.js";

/*
 * What happens to the sandbox's answer on its way to the ERP (`qimen-pact record --answer-dialects
 * --faults`): written in a WMS dialect, or replaced by a gateway fault. The sandbox judges every
 * call as usual; a relay only picks the store the call is applied to (a scratch copy when the
 * gateway never delivers it) and writes what the ERP receives.
 */

/** What the ERP got instead of the sandbox's own answer, for the recorder. */
export interface RelayNote {
  readonly dialect?: string;
  readonly fault?: GatewayFault;
}

/** The sandbox's own writer: status, Content-Type, body. */
export type SendAnswer = (status: number, contentType: string, body: string) => void;

export interface RelayedCall {
  readonly note: RelayNote | undefined;
  /** The store the WMS applies the call to. */
  readonly store: OrderStore;
  /** Writes what the ERP receives for the sandbox's answer; a delayed answer is written later. */
  write(answer: QimenAnswer, response: ServerResponse, send: SendAnswer): void;
}

/** Called once per Qimen call, in arrival order, with the body received (undefined when over the limit). */
export type AnswerRelay = (body: Uint8Array | undefined, store: OrderStore) => RelayedCall;

export interface AnswerRelayOptions {
  readonly dialects: boolean;
  readonly faults: readonly FaultRule[];
}

export function createAnswerRelay(options: AnswerRelayOptions): AnswerRelay {
  const faultOf = faultPlan(options.faults);
  let calls = 0;
  return (body, store) => {
    calls += 1;
    const orderCode = body === undefined ? undefined : orderCodeForLog(body);
    const fault = faultOf(calls, orderCode);
    const dialect = options.dialects ? dialectOfCall(calls) : undefined;
    const note =
      fault === undefined && dialect === undefined
        ? undefined
        : { ...(dialect && { dialect: dialect.name }), ...(fault && { fault }) };
    const applied = fault === undefined || FAULT_KINDS[fault.kind].applied;
    return {
      note,
      store: applied || orderCode === undefined ? store : scratchCopy(store, orderCode),
      write(answer, response, send) {
        const written = dialect?.write(answer) ?? { contentType: QIMEN_CONTENT_TYPE, body: encodeResponse(answer) };
        if (fault === undefined) send(200, written.contentType, written.body);
        else writeFault(fault, written, response, send);
      },
    };
  };
}

/** The documents of this orderCode, apart: the WMS judges the call against them and the real store never changes. */
function scratchCopy(store: OrderStore, orderCode: string): OrderStore {
  const scratch = new OrderStore();
  for (const document of store.find({ warehouseCode: ANY_WAREHOUSE, orderCode })) scratch.put(document);
  return scratch;
}

/** A proxy's error page, as the gateway's front end sends one. */
const BAD_GATEWAY_PAGE =
  "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n";

function writeFault(fault: GatewayFault, written: WrittenAnswer, response: ServerResponse, send: SendAnswer): void {
  const { ispCode } = FAULT_KINDS[fault.kind];
  if (ispCode !== undefined) {
    const envelope = { flag: "failure", code: "TOP15", message: `Remote service error | ${ispCode}` } as const;
    return send(200, QIMEN_CONTENT_TYPE, encodeResponse(envelope));
  }
  if (fault.kind === "502") return send(502, "text/html;charset=utf-8", BAD_GATEWAY_PAGE);
  if (fault.kind === "reset") {
    const bytes = Buffer.from(written.body, "utf8");
    response.writeHead(200, { "content-type": written.contentType, "content-length": bytes.length });
    // Half the answer, then a TCP reset: the ERP sees the connection die mid-answer.
    response.write(bytes.subarray(0, bytes.length >> 1), () => response.socket?.resetAndDestroy());
    return;
  }
  const timer = setTimeout(() => send(200, written.contentType, written.body), fault.delayMs);
  response.once("close", () => clearTimeout(timer));
}
