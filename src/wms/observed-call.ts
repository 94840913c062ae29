import type { RelayNote } from "./answer-relay.js";
import type { OrderDocument } from "./order-store.js";
import type { QimenAnswer } from "./qimen-call.js";

/**
 * One Qimen call as the sandbox received and answered it, for a recorder that judges the caller
 * (`qimen-pact record`): the request exactly as sent, what the WMS held for it, and the answer.
 */
export interface ObservedCall {
  readonly receivedAt: Date;
  /** The path called, as received. */
  readonly path: string;
  /** The query string as received, without `?`, still URL-encoded. */
  readonly search: string;
  /** Every header as received, in order, names as the caller spelt them (repeats kept). */
  readonly headers: readonly (readonly [string, string])[];
  /** The exact body bytes; undefined when the body was over the size limit and never kept. */
  readonly body: Uint8Array | undefined;
  /**
   * The documents the request designated when it arrived, before the call changed anything:
   * undefined when the call was refused before its body was read as an order.cancel request.
   */
  readonly held: readonly OrderDocument[] | undefined;
  readonly answer: QimenAnswer;
  /** What the sandbox accepted but warned about (unknown order types, unknown elements). */
  readonly warnings: readonly string[];
  readonly orderCode?: string;
  /** How the answer reached the caller when a relay changed it (a dialect, a gateway fault); `answer` is the WMS's own. */
  readonly relayed?: RelayNote;
}

/** The header pairs of node's `rawHeaders` list ([name, value, name, value, …]). */
export function headerPairs(rawHeaders: readonly string[]): (readonly [string, string])[] {
  const pairs: (readonly [string, string])[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    pairs.push([rawHeaders[index] as string, rawHeaders[index + 1] as string]);
  }
  return pairs;
}
