/*
 * The public API of qimen-pact, as README documents it: the ERP client, the sandbox WMS, the
 * order.cancel codec, TOP signing and Beijing timestamps, the errors and the model. The provider
 * gate is `qimen-pact/verify` (provider-verify/index.ts): it builds on this layer, never the other
 * way round. test/package.test.ts pins both lists.
 */

// The ERP client
export {
  createQimenClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_READ_TIMEOUT_MS,
  type CancelOrderOptions,
  type CancelResult,
  type QimenClient,
  type QimenClientLogger,
  type QimenClientOptions,
  type QimenRetryOptions,
} from "./client/qimen-client.js";
export { DELIVERY_MEANINGS, QimenDeliveryError } from "./client/delivery-error.js";
export { informationalTolerantConnector } from "./client/informational-answers.js";

// The sandbox WMS
export {
  createSandboxWms,
  SANDBOX_APP_KEY,
  SANDBOX_SECRET,
  type SandboxWms,
  type SandboxWmsOptions,
  type SandboxWmsUrls,
} from "./wms/sandbox.js";

// The order.cancel codec and the official SDK's reading of an answer
export { decodeCancelRequest, encodeCancelRequest, type DecodedCancelRequest } from "./protocol/request-codec.js";
export { decodeResponse, encodeResponse, type DecodedResponse } from "./protocol/response-codec.js";
export { readAsSdk, type SdkReading } from "./protocol/sdk-reading.js";

// Signing and timestamps
export { computeSign, verifySign, SIGN_METHODS, type SignMethod, type SignInput } from "./protocol/signing.js";
export { signQuery, ORDER_CANCEL_METHOD, type SystemParams, type SignedQuery } from "./protocol/system-params.js";
export { formatBeijingTimestamp, parseBeijingTimestamp } from "./protocol/timestamp.js";

// Errors
export { isQimenError, OptionError, QimenError, type QimenErrorCode } from "./protocol/errors.js";

// The model
export type {
  DeliveryOutcome,
  IspHttpCode,
  OrderCancelRequest,
  OrderCancelResponse,
  ResponseFlag,
  SubSourceOrder,
} from "./protocol/model.js";
export { ORDER_TYPE_CODES, ORDER_TYPES, type KnownOrderType } from "./protocol/order-types.js";
