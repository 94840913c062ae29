import type { QimenErrorCode } from "../protocol/errors.js";

/** `<code>` of a successful answer. */
export const SUCCESS_CODE = "0";

/**
 * Every `<code>` the sandbox answers with `<flag>failure</flag>`, one per cause, and what it means.
 * Qimen has no standard WMS failure codes (PROTOCOL.md), except `sign-check-failure`, which Qimen's
 * go-live signature test expects.
 */
export const FAILURE_CODES = {
  "sign-check-failure": "the sign does not match the request (wrong secret, altered body or params, malformed sign)",
  "sign-missing": "no sign query parameter",
  "sign-method-unsupported": "sign_method is not md5 (SDK-built WMSs verify md5 only)",
  "app-key-missing": "no app_key query parameter",
  "app-key-unknown": "app_key is not one the sandbox has a secret for",
  "timestamp-missing": "no timestamp query parameter",
  "timestamp-invalid": "timestamp is not a real yyyy-MM-dd HH:mm:ss time",
  "timestamp-out-of-window": "timestamp (Beijing time) is further in the past or future than the allowed window",
  "customer-id-mismatch": "customerId is missing or not the one the sandbox serves",
  "param-duplicate": "a query parameter appears more than once",
  "format-unsupported": "format is given and is not xml",
  "method-missing": "no method query parameter",
  "method-unknown": "method is neither order.cancel nor taobao.qimen.order.cancel",
  "xml-too-large": "the body is over the size limit",
  "xml-malformed": "the body is not well-formed XML",
  "xml-dtd-forbidden": "the body contains a DOCTYPE or entity declaration",
  "xml-too-deep": "the body nests elements too deeply",
  "xml-encoding": "the body is not valid UTF-8",
  "xml-wrong-root": "the body's root element is not <request>",
  "field-duplicate": "a single-valued field appears more than once",
  "field-missing": "warehouseCode or orderCode is missing or empty",
  "field-invalid": "a field has the wrong structure (e.g. elements where text belongs)",
  "order-not-found": "no document matches orderCode (and warehouseCode, ownerCode, orderType, orderId when given)",
  "order-ambiguous": "several documents match: send ownerCode, orderType or a specific warehouseCode",
  "order-shipped": "the document has left the warehouse (DELIVERED, PARTDELIVERED): too late to cancel",
  "order-received": "the document has been received (FULFILLED, PARTFULFILLED): too late to cancel",
  "order-closed": "the document is CLOSED",
  "internal-error": "the sandbox failed unexpectedly (a bug: please report it); nothing was changed",
} as const satisfies Record<string, string>;

export type FailureCode = keyof typeof FAILURE_CODES;

/** The failure code for a request the protocol core rejected, e.g. QIMEN_FIELD_MISSING → field-missing. */
export function failureCodeOf(code: QimenErrorCode): FailureCode {
  const derived = code
    .replace(/^QIMEN_/, "")
    .toLowerCase()
    .replaceAll("_", "-");
  return Object.hasOwn(FAILURE_CODES, derived) ? (derived as FailureCode) : "internal-error";
}
