import type { OrderCancelRequest } from "../src/index.js";

/**
 * What the ERP relies on, one row per interaction. To add one: append a row with a description, the
 * provider state the WMS must be in, the request the ERP sends and what the WMS answers. State
 * params are derived from the request (see stateParams), so a WMS seeds exactly the order the
 * request names.
 */
export interface InteractionSpec {
  readonly description: string;
  readonly state: ProviderStateSpec;
  readonly request: OrderCancelRequest;
  readonly answer: WmsAnswer;
  /** Sign the call with a secret the WMS does not have; the contract marks it for verifiers. */
  readonly signedWithWrongSecret?: true;
}

/** The sandbox WMS's states (src/wms/provider-states.ts); `extra` adds params the request lacks. */
export type ProviderStateSpec =
  | { readonly name: "an order exists"; readonly status: OrderStatus; readonly extra?: { readonly orderType?: string } }
  | { readonly name: "no order exists" };

/** Qimen order statuses the contract uses: cancellable, already cancelled, shipped. */
export type OrderStatus = "NEW" | "ACCEPT" | "CANCELED" | "DELIVERED";

/**
 * What the WMS answers. Success is contracted as `<flag>` alone, because that is all the ERP reads
 * and real WMSs answer success with nothing more. A failure's code is matched by shape, except
 * where Qimen fixes it (`sign-check-failure`), and its message always by shape: the ERP shows both.
 */
export type WmsAnswer =
  | { readonly flag: "success" }
  | {
      readonly flag: "failure";
      readonly code: string;
      readonly codeMatch: "exact" | "shape";
      readonly message: string;
    };

const SUCCESS: WmsAnswer = { flag: "success" };
const WAREHOUSE = "WH-HZ-01";

/** The largest request the contract has: every optional field, Chinese text, two sub-orders. */
export const EVERY_FIELD_REQUEST: OrderCancelRequest = {
  warehouseCode: WAREHOUSE,
  ownerCode: "OWNER-01",
  orderCode: "SO-20250115-0002",
  orderId: "WMS-880002",
  orderType: "B2BCK",
  cancelReason: "客户取消订单：收货地址填写错误",
  extendProps: { channel: "tmall", operator: "张三" },
  subSourceOrders: [{ subSourceOrderCode: "TB-5501-1" }, { subSourceOrderCode: "TB-5501-2" }],
};

export const INTERACTIONS: readonly InteractionSpec[] = [
  {
    description: "a cancel of a NEW outbound order with only the required fields",
    state: { name: "an order exists", status: "NEW", extra: { orderType: "JYCK" } },
    request: { warehouseCode: WAREHOUSE, orderCode: "SO-20250115-0001" },
    answer: SUCCESS,
  },
  {
    description: "a cancel with every optional field",
    state: { name: "an order exists", status: "ACCEPT" },
    request: EVERY_FIELD_REQUEST,
    answer: SUCCESS,
  },
  {
    description: "a cancel of an inbound purchase order (CGRK)",
    state: { name: "an order exists", status: "NEW" },
    request: { warehouseCode: WAREHOUSE, orderCode: "PO-20250115-0003", orderType: "CGRK" },
    answer: SUCCESS,
  },
  {
    description: "a repeated cancel of an order that is already CANCELED",
    state: { name: "an order exists", status: "CANCELED" },
    request: { warehouseCode: WAREHOUSE, orderCode: "SO-20250115-0004", orderType: "JYCK" },
    answer: SUCCESS,
  },
  {
    description: "a cancel of an order that is already DELIVERED",
    state: { name: "an order exists", status: "DELIVERED" },
    request: { warehouseCode: WAREHOUSE, orderCode: "SO-20250115-0005", orderType: "JYCK" },
    answer: {
      flag: "failure",
      code: "order-shipped",
      codeMatch: "shape",
      message: "order SO-20250115-0005 has been DELIVERED: too late to cancel",
    },
  },
  {
    description: "a cancel of an order the WMS does not know",
    state: { name: "no order exists" },
    request: { warehouseCode: WAREHOUSE, orderCode: "SO-20250115-0006" },
    answer: { flag: "failure", code: "order-not-found", codeMatch: "shape", message: "no order SO-20250115-0006" },
  },
  {
    description: "a cancel signed with the wrong secret",
    state: { name: "an order exists", status: "NEW" },
    request: { warehouseCode: WAREHOUSE, orderCode: "SO-20250115-0007" },
    answer: { flag: "failure", code: "sign-check-failure", codeMatch: "exact", message: "Illegal request" },
    signedWithWrongSecret: true,
  },
];

const ORDER_IDENTITY = ["warehouseCode", "orderCode", "ownerCode", "orderType", "orderId"] as const;

/** The state's params: the order's identity as the request names it, plus the state's own. */
export function stateParams(spec: InteractionSpec): Record<string, string> {
  const { state, request } = spec;
  if (state.name === "no order exists") {
    return { orderCode: request.orderCode, warehouseCode: request.warehouseCode };
  }
  const seeded = { ...state.extra, ...request };
  const params: Record<string, string> = {};
  for (const field of ORDER_IDENTITY) {
    const value = seeded[field];
    if (value !== undefined) params[field] = value;
  }
  return { ...params, status: state.status };
}
