/** The 19 `orderType` codes of the order.cancel spec page, with the names the spec gives them. */
export const ORDER_TYPES = {
  JYCK: "一般交易出库单",
  HHCK: "换货出库",
  BFCK: "补发出库",
  PTCK: "普通出库单",
  DBCK: "调拨出库",
  B2BRK: "B2B入库",
  B2BCK: "B2B出库",
  QTCK: "其他出库",
  SCRK: "生产入库",
  LYRK: "领用入库",
  CCRK: "残次品入库",
  CGRK: "采购入库",
  DBRK: "调拨入库",
  QTRK: "其他入库",
  XTRK: "销退入库",
  THRK: "退货入库",
  HHRK: "换货入库",
  CNJG: "仓内加工单",
  CGTH: "采购退货出库单",
} as const satisfies Record<string, string>;

export type KnownOrderType = keyof typeof ORDER_TYPES;

export const ORDER_TYPE_CODES = Object.freeze(Object.keys(ORDER_TYPES)) as readonly KnownOrderType[];

export function isKnownOrderType(code: string): code is KnownOrderType {
  return Object.hasOwn(ORDER_TYPES, code);
}

/** The Chinese name of a spec code, or undefined for codes seen in the wild but not in the spec. */
export function orderTypeName(code: string): string | undefined {
  return isKnownOrderType(code) ? ORDER_TYPES[code] : undefined;
}
