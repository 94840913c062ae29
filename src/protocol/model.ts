/** The `request` body of taobao.qimen.order.cancel, field for field as the spec page lists it. */
export interface OrderCancelRequest {
  /** 仓库编码; `OTHER` when the ERP does not choose the warehouse. */
  readonly warehouseCode: string;
  /** The ERP's code of the document, as sent when the document was created. */
  readonly orderCode: string;
  /** 货主编码. */
  readonly ownerCode?: string;
  /** The WMS's own document id; real ERPs often omit it. */
  readonly orderId?: string;
  /** One of ORDER_TYPE_CODES; other codes occur in the wild and are kept as sent. */
  readonly orderType?: string;
  readonly cancelReason?: string;
  readonly extendProps?: Readonly<Record<string, string>>;
  readonly subSourceOrders?: readonly SubSourceOrder[];
  /** Legacy field of old SDKs. */
  readonly remark?: string;
}

export interface SubSourceOrder {
  readonly subSourceOrderCode?: string;
}

export type ResponseFlag = "success" | "failure";

/** What the WMS (or the gateway, in the WMS's envelope) answered. */
export interface OrderCancelResponse {
  readonly flag: ResponseFlag;
  readonly code?: string;
  readonly message?: string;
}

/**
 * Whether a cancel that the gateway could not deliver may have been applied, after Qimen's
 * `isp.http-*` meanings: connection timeout and refused never reached the WMS; a read timeout
 * reached it and may have been applied; a closed connection is unknown.
 */
export type DeliveryOutcome = "not-reached" | "maybe-applied" | "unknown";

export type IspHttpCode =
  "isp.http-connection-timeout" | "isp.http-connection-refuse" | "isp.http-read-timeout" | "isp.http-closed";

export const ISP_HTTP_OUTCOMES: Readonly<Record<IspHttpCode, DeliveryOutcome>> = Object.freeze({
  "isp.http-connection-timeout": "not-reached",
  "isp.http-connection-refuse": "not-reached",
  "isp.http-read-timeout": "maybe-applied",
  "isp.http-closed": "unknown",
});
