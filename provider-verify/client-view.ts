import { isQimenError } from "../src/protocol/errors.js";
import type { ResponseFlag } from "../src/protocol/model.js";
import { decodeResponse } from "../src/protocol/response-codec.js";

/** What the ERP client makes of a WMS answer: the flag it acts on, or why it rejects the answer. */
export type ClientView =
  | { readonly accepts: true; readonly flag: ResponseFlag; readonly code?: string; readonly message?: string }
  | { readonly accepts: false; readonly reason: string };

/**
 * The ERP client's reading of an answer (src/client, `interpret`): HTTP 200 only; the body must
 * decode with the protocol core's decodeResponse (one `<response>` root, exactly one `<flag>`
 * `success`/`failure`, no duplicated field, valid UTF-8, a leading byte-order mark allowed); and a
 * failure written by the gateway (a `TOP*` code) is no answer from the WMS.
 */
export function clientView(status: number, body: Uint8Array): ClientView {
  if (status !== 200) return { accepts: false, reason: `HTTP ${status} instead of 200` };
  let decoded;
  try {
    decoded = decodeResponse(body);
  } catch (error) {
    if (!isQimenError(error)) throw error;
    return { accepts: false, reason: error.message };
  }
  if (decoded.flag === "failure" && decoded.source !== "wms") {
    return { accepts: false, reason: `code ${decoded.code ?? "(none)"} is the Qimen gateway's, never a WMS's answer` };
  }
  return {
    accepts: true,
    flag: decoded.flag,
    ...(decoded.code === undefined ? {} : { code: decoded.code }),
    ...(decoded.message === undefined ? {} : { message: decoded.message }),
  };
}
