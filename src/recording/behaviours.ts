import { decodeCancelRequest } from "../protocol/request-codec.js";
import type { OrderCancelRequest } from "../protocol/model.js";
import { ANY_WAREHOUSE, type OrderDocument } from "../wms/order-store.js";
import type { ObservedCall } from "../wms/observed-call.js";
import type { QimenAnswer } from "../wms/qimen-call.js";

/*
 * The distinct behaviours of a recording: calls grouped by provider state and status, the set of
 * request fields present, orderType and the answer's flag and code. 300 cancels made the same way
 * are one behaviour. Everything here depends on content only, never on timing or call order.
 */

export interface ProviderState {
  readonly name: "an order exists" | "no order exists";
  readonly params: Readonly<Record<string, string>>;
}

export interface Behaviour {
  readonly description: string;
  readonly state: ProviderState;
  /** The call the contract shows: the least, by content, of the behaviour's calls. */
  readonly call: ObservedCall;
  readonly answer: QimenAnswer;
  readonly orderType: string | undefined;
  /** How many recorded calls behaved this way. */
  readonly calls: number;
}

/** Why a conforming call cannot become an interaction (its state cannot be seeded as one document). */
export type Unrecordable = { readonly call: ObservedCall; readonly reason: string };

const IDENTITY = ["warehouseCode", "orderCode", "ownerCode", "orderType", "orderId"] as const;
const OPTIONAL_FIELDS = ["ownerCode", "orderId", "cancelReason", "extendProps", "subSourceOrders", "remark"] as const;
const ORDERING = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Groups conforming calls into behaviours, in a stable order; calls no provider state can reproduce come back apart. */
export function behavioursOf(calls: readonly ObservedCall[]): {
  behaviours: Behaviour[];
  unrecordable: Unrecordable[];
} {
  const groups = new Map<string, { key: string; calls: ObservedCall[]; request: OrderCancelRequest }>();
  const unrecordable: Unrecordable[] = [];
  for (const call of calls) {
    if (call.body === undefined || call.held === undefined) continue;
    if (call.held.length > 1) {
      unrecordable.push({
        call,
        reason: `${call.held.length} documents matched it: one provider state seeds one document`,
      });
      continue;
    }
    const { request } = decodeCancelRequest(call.body);
    const key = JSON.stringify([
      call.held[0]?.status ?? null,
      presentFields(request),
      request.orderType ?? null,
      call.answer.flag,
      call.answer.code,
    ]);
    const group = groups.get(key) ?? { key, calls: [], request };
    group.calls.push(call);
    groups.set(key, group);
  }
  const behaviours = [...groups.values()]
    .sort((a, b) => ORDERING(a.key, b.key))
    .map((group) => behaviour(group.calls, group.request));
  // Every part of the key is in the description, so two behaviours never read the same.
  return { behaviours, unrecordable };
}

function behaviour(calls: readonly ObservedCall[], request: OrderCancelRequest): Behaviour {
  const [call] = [...calls].sort((a, b) => ORDERING(contentKey(a), contentKey(b))) as [ObservedCall];
  const held = call.held?.[0];
  const { request: shown } = decodeCancelRequest(call.body as Uint8Array);
  const state = stateOf(held, shown);
  const subject = held === undefined ? "an order the WMS does not hold" : orderPhrase(held.status, request.orderType);
  const fields = presentFields(request).filter((field) => field !== "orderType");
  const withFields = fields.length === 0 ? "with only the required fields" : `with ${listed(fields)}`;
  const outcome = call.answer.flag === "success" ? "success" : `failure ${call.answer.code}`;
  return {
    description: `a cancel of ${subject} ${withFields}: ${outcome}`,
    state,
    call,
    answer: call.answer,
    orderType: request.orderType,
    calls: calls.length,
  };
}

/** The state that makes the WMS hold what it held: the very document, or none with the code. */
function stateOf(held: OrderDocument | undefined, request: OrderCancelRequest): ProviderState {
  if (held === undefined) {
    const inWarehouse = request.warehouseCode === ANY_WAREHOUSE ? {} : { warehouseCode: request.warehouseCode };
    return { name: "no order exists", params: { orderCode: request.orderCode, ...inWarehouse } };
  }
  const params: Record<string, string> = {};
  for (const field of IDENTITY) {
    const value = held[field];
    if (value !== undefined) params[field] = value;
  }
  return { name: "an order exists", params: { ...params, status: held.status } };
}

function presentFields(request: OrderCancelRequest): string[] {
  return ["orderType", ...OPTIONAL_FIELDS].filter((field) => request[field as keyof OrderCancelRequest] !== undefined);
}

function orderPhrase(status: string, orderType: string | undefined): string {
  const words = `${status}${orderType === undefined ? "" : ` ${orderType}`} order`;
  return `${/^[AEIOU]/.test(words) ? "an" : "a"} ${words}`;
}

function listed(words: readonly string[]): string {
  return words.length === 1 ? (words[0] as string) : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** What makes one call's example the least of its behaviour: its body, then its query without sign and timestamp. */
function contentKey(call: ObservedCall): string {
  const stable = [...new URLSearchParams(call.search)].filter(([name]) => name !== "sign" && name !== "timestamp");
  return JSON.stringify([Buffer.from(call.body ?? []).toString("utf8"), stable, call.path]);
}
