import { QimenDeliveryError } from "../src/client/delivery-error.js";
import { interpretAnswer } from "../src/client/qimen-client.js";
import { isQimenError } from "../src/protocol/errors.js";
import type { ResponseFlag } from "../src/protocol/model.js";

/** What the ERP client makes of a WMS answer: the flag it acts on, or why it rejects the answer. */
export type ClientView =
  | { readonly accepts: true; readonly flag: ResponseFlag; readonly code?: string; readonly message?: string }
  | { readonly accepts: false; readonly reason: string };

/**
 * The ERP client's own reading of an answer: src/client's interpretAnswer decides, so the gate
 * cannot judge an answer otherwise than the client does. Only the words of a rejection are ours:
 * short, and without the endpoint the client's error names.
 */
export function clientView(status: number, body: Uint8Array): ClientView {
  const outcome = interpretAnswer(status, body, { endpoint: "the provider", attempt: 1 });
  if (outcome instanceof QimenDeliveryError) return { accepts: false, reason: rejectionReason(outcome, status) };
  const { flag, code, message } = outcome.response;
  return {
    accepts: true,
    flag,
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
  };
}

function rejectionReason(error: QimenDeliveryError, status: number): string {
  switch (error.code) {
    case "QIMEN_HTTP_STATUS":
      return `HTTP ${status} instead of 200`;
    case "QIMEN_GATEWAY_ERROR": {
      const { gatewayCode } = error.context;
      return `code ${typeof gatewayCode === "string" ? gatewayCode : "(none)"} is the Qimen gateway's, never a WMS's answer`;
    }
    default:
      // The decoder's own words for an answer that is no Qimen response.
      return isQimenError(error.cause) ? error.cause.message : error.message;
  }
}
