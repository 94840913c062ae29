import type { OrderCancelRequest } from "../../src/protocol/model.js";
import type { OrderDocument } from "../../src/wms/order-store.js";
import type { LoadCaller } from "./signed-load.js";

/** The benchmark's ERP; the sandbox it loads knows this secret. */
export const BENCH_CALLER: LoadCaller = {
  appKey: "bench-erp",
  secret: "bench-secret-NOT-SECRET",
  customerId: "bench-wms",
};

const WAREHOUSE = "WH-BENCH";
/** Orders the loaded sandbox holds; requests cancel them in turn (repeats answer "already cancelled"). */
export const BENCH_ORDER_COUNT = 10_000;

/** Order number `index` as the sandbox holds it: NEW, so its first cancel applies. */
export function benchOrder(index: number): OrderDocument {
  return { warehouseCode: WAREHOUSE, orderCode: `BENCH-${index + 1}`, orderType: "JYCK", status: "NEW" };
}

/** The cancel an ERP sends for order `index`. */
export function benchCancel(index: number): OrderCancelRequest {
  const { warehouseCode, orderCode, orderType } = benchOrder(index);
  return { warehouseCode, orderCode, ...(orderType === undefined ? {} : { orderType }), cancelReason: "客户取消" };
}
