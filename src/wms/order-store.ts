/**
 * The sandbox WMS's documents and what `order.cancel` does to each of them. Pure: no I/O, no clock.
 */

/** What a cancel does to a document in a given status. */
export type CancelRule = "cancellable" | "already-cancelled" | "shipped" | "received" | "closed";

/**
 * The Qimen order-process statuses the sandbox knows (taobao.qimen.orderprocess.report), and what
 * a cancel does in each. Everything still inside the warehouse can be intercepted; once it has
 * left (DELIVERED) or been booked in (FULFILLED), cancelling is too late.
 */
export const ORDER_STATUSES = {
  NEW: "cancellable",
  ACCEPT: "cancellable",
  PRINT: "cancellable",
  PICK: "cancellable",
  CHECK: "cancellable",
  PACKAGE: "cancellable",
  WEIGHT: "cancellable",
  READY: "cancellable",
  CANCELED: "already-cancelled",
  PARTDELIVERED: "shipped",
  DELIVERED: "shipped",
  PARTFULFILLED: "received",
  FULFILLED: "received",
  CLOSED: "closed",
} as const satisfies Record<string, CancelRule>;

export type OrderStatus = keyof typeof ORDER_STATUSES;

export const ORDER_STATUS_NAMES = Object.freeze(Object.keys(ORDER_STATUSES)) as readonly OrderStatus[];

export function isOrderStatus(value: string): value is OrderStatus {
  return Object.hasOwn(ORDER_STATUSES, value);
}

/** `warehouseCode` an ERP sends when it leaves the choice of warehouse to the WMS. */
export const ANY_WAREHOUSE = "OTHER";

/** One document (outbound, inbound or return order) as the WMS holds it. */
export interface OrderDocument {
  readonly warehouseCode: string;
  readonly orderCode: string;
  readonly ownerCode?: string;
  readonly orderType?: string;
  readonly orderId?: string;
  readonly status: OrderStatus;
}

/** What identifies a cancel's target in the request: orderCode, narrowed by whatever else is given. */
export interface OrderQuery {
  readonly warehouseCode: string;
  readonly orderCode: string;
  readonly ownerCode?: string;
  readonly orderType?: string;
  readonly orderId?: string;
}

export type CancelOutcome =
  | { readonly kind: "cancelled"; readonly order: OrderDocument }
  | { readonly kind: "already-cancelled"; readonly order: OrderDocument }
  | {
      readonly kind: "not-cancellable";
      readonly rule: "shipped" | "received" | "closed";
      readonly order: OrderDocument;
    }
  | { readonly kind: "not-found" }
  | { readonly kind: "ambiguous"; readonly matches: readonly OrderDocument[] };

const NARROWING_FIELDS = ["ownerCode", "orderType", "orderId"] as const;

/**
 * Documents keyed by (warehouseCode, orderCode, ownerCode): the same ERP code may exist in two
 * warehouses or for two owners (a cancel without ownerCode is then ambiguous). The provider state
 * `an order exists` replaces every owner's document of its warehouse and code; put() alone does not.
 */
export class OrderStore {
  /** orderCode → (identity key → document): a cancel looks at its own order code only, however many orders there are. */
  readonly #byOrderCode = new Map<string, Map<string, OrderDocument>>();

  /** Adds the document, replacing any earlier one with the same warehouse, code and owner. */
  put(document: OrderDocument): void {
    const sameCode = this.#byOrderCode.get(document.orderCode) ?? new Map<string, OrderDocument>();
    sameCode.set(keyOf(document), { ...document });
    this.#byOrderCode.set(document.orderCode, sameCode);
  }

  /** Removes the one document with exactly this warehouse, code and owner; whether there was one. */
  delete(identity: Pick<OrderDocument, "warehouseCode" | "orderCode" | "ownerCode">): boolean {
    const sameCode = this.#byOrderCode.get(identity.orderCode);
    const deleted = sameCode?.delete(keyOf(identity)) ?? false;
    if (sameCode?.size === 0) this.#byOrderCode.delete(identity.orderCode);
    return deleted;
  }

  /** Removes every document with this orderCode (in this warehouse, when given); returns how many. */
  removeAll(selector: { readonly orderCode: string; readonly warehouseCode?: string }): number {
    const sameCode = this.#byOrderCode.get(selector.orderCode);
    if (sameCode === undefined) return 0;
    let removed = 0;
    for (const [key, document] of sameCode) {
      if (selector.warehouseCode === undefined || document.warehouseCode === selector.warehouseCode) {
        sameCode.delete(key);
        removed += 1;
      }
    }
    if (sameCode.size === 0) this.#byOrderCode.delete(selector.orderCode);
    return removed;
  }

  /**
   * The documents a cancel request designates: same orderCode; same warehouse unless the request
   * says `OTHER`; and, for ownerCode/orderType/orderId, the same value whenever both the request and
   * the document carry one (real ERPs often omit orderId or send it empty, WMSs often do not record
   * the type).
   */
  find(query: OrderQuery): OrderDocument[] {
    const sameCode = this.#byOrderCode.get(query.orderCode) ?? new Map<string, OrderDocument>();
    return copiesInKeyOrder(
      [...sameCode].filter(
        ([, document]) =>
          (query.warehouseCode === ANY_WAREHOUSE || document.warehouseCode === query.warehouseCode) &&
          NARROWING_FIELDS.every(
            (field) => isBlank(query[field]) || document[field] === undefined || query[field] === document[field],
          ),
      ),
    );
  }

  /** Applies one cancel: a cancellable document becomes CANCELED; nothing else ever changes. */
  cancel(query: OrderQuery): CancelOutcome {
    const matches = this.find(query);
    const [order] = matches;
    if (order === undefined) return { kind: "not-found" };
    if (matches.length > 1) return { kind: "ambiguous", matches };
    const rule = ORDER_STATUSES[order.status];
    switch (rule) {
      case "cancellable": {
        const cancelled: OrderDocument = { ...order, status: "CANCELED" };
        this.put(cancelled);
        return { kind: "cancelled", order: cancelled };
      }
      case "already-cancelled":
        return { kind: "already-cancelled", order };
      default:
        return { kind: "not-cancellable", rule, order };
    }
  }

  /** Copies of every document, in a stable order, for assertions and inspection. */
  list(): OrderDocument[] {
    return copiesInKeyOrder([...this.#byOrderCode.values()].flatMap((sameCode) => [...sameCode]));
  }
}

function copiesInKeyOrder(entries: [string, OrderDocument][]): OrderDocument[] {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, document]) => ({ ...document }));
}

function keyOf(document: Pick<OrderDocument, "warehouseCode" | "orderCode" | "ownerCode">): string {
  // JSON of an array cannot collide the way joining with a separator could.
  return JSON.stringify([document.warehouseCode, document.orderCode, document.ownerCode ?? null]);
}

function isBlank(value: string | undefined): boolean {
  return value === undefined || value === "";
}
