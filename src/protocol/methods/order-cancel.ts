import { ORDER_TYPE_CODES } from "../order-types.js";
import { ORDER_CANCEL_METHOD } from "../system-params.js";

/*
 * The facts of one Qimen method as data, so every tool that needs them (the probes today; the
 * codec, the sandbox and the client later) reads them from one place. Only facts the spec page or
 * docs/protocol.md states; where a limit is unknown it is left out, not guessed.
 */

/** One element of a request or answer body, a direct child of its root. */
export interface FieldSpec {
  readonly name: string;
  readonly required: boolean;
  /** `text`: a leaf; `map`: free key/value children; `list`: repeated items. */
  readonly type: "text" | "map" | "list";
  /** Longest value in characters, where a source states one. */
  readonly maxLength?: number;
  /** The codes the spec lists; others occur in the wild and a receiver keeps them. */
  readonly codes?: readonly string[];
  /** A value the spec page gives as its example. */
  readonly example?: string;
  /** For lists: the item element names receivers accept, the one senders write first. */
  readonly itemNames?: readonly string[];
  /** For lists: the leaf inside each item. */
  readonly itemField?: string;
}

/** A provider state a probe or contract needs the WMS to set up: Pact's state name and its params. */
export interface StateSpec {
  readonly name: string;
  readonly params: readonly string[];
}

export interface MethodSpec {
  /** The name the ERP calls the gateway with, and the one WMS-side code routes on. */
  readonly methodNames: { readonly long: string; readonly short: string };
  readonly requestRoot: string;
  readonly requestFields: readonly FieldSpec[];
  readonly answerRoot: string;
  readonly answerFields: readonly FieldSpec[];
  /** Whether repeating the same call is safe (the gateway's read timeout makes ERPs retry). */
  readonly repeatSafe: boolean;
  /** The states a verifier or prober asks the WMS's state-change endpoint for. */
  readonly providerStates: { readonly documentExists: StateSpec; readonly noDocument: StateSpec };
}

/** taobao.qimen.order.cancel, from its spec page and docs/protocol.md. */
export const ORDER_CANCEL_SPEC: MethodSpec = {
  methodNames: ORDER_CANCEL_METHOD,
  requestRoot: "request",
  requestFields: [
    { name: "warehouseCode", required: true, type: "text", example: "W1234" },
    { name: "ownerCode", required: false, type: "text", example: "H1234" },
    { name: "orderCode", required: true, type: "text", example: "O1234" },
    { name: "orderId", required: false, type: "text", example: "WQ1234" },
    { name: "orderType", required: false, type: "text", codes: ORDER_TYPE_CODES, example: "JYCK" },
    { name: "cancelReason", required: false, type: "text", maxLength: 500, example: "已经退货" },
    { name: "extendProps", required: false, type: "map" },
    {
      name: "subSourceOrders",
      required: false,
      type: "list",
      itemNames: ["subSourceOrder", "sub_source_order"],
      itemField: "subSourceOrderCode",
      example: "21324234",
    },
    { name: "remark", required: false, type: "text" },
  ],
  answerRoot: "response",
  answerFields: [
    { name: "flag", required: true, type: "text", codes: ["success", "failure"] },
    { name: "code", required: false, type: "text", example: "0" },
    { name: "message", required: false, type: "text" },
  ],
  // Observed production WMSs answer success to a repeated cancel; ERPs retry after a read timeout.
  repeatSafe: true,
  providerStates: {
    documentExists: { name: "an order exists", params: ["warehouseCode", "orderCode", "status"] },
    noDocument: { name: "no order exists", params: ["orderCode"] },
  },
};

/** The request fields a valid call must carry. */
export function requiredFields(spec: MethodSpec): readonly FieldSpec[] {
  return spec.requestFields.filter((field) => field.required);
}
