import type { SignMethod } from "../../src/protocol/index.js";

/** Signing fixtures shared by the signing and system-params tests. */

export const SANDBOX_SECRET = "sandbox-secret";

/** An order.cancel body with Chinese text: the spec example's fields as encodeCancelRequest writes them. */
export const CANCEL_BODY =
  '<?xml version="1.0" encoding="utf-8"?><request><warehouseCode>W1234</warehouseCode><ownerCode>H1234</ownerCode>' +
  "<orderCode>O1234</orderCode><orderId>WQ1234</orderId><orderType>JYCK</orderType>" +
  "<cancelReason>已经退货</cancelReason></request>";

export function cancelParams(signMethod: SignMethod): Record<string, string> {
  return {
    method: "taobao.qimen.order.cancel",
    timestamp: "2024-03-01 12:00:00",
    format: "xml",
    app_key: "12345678",
    v: "2.0",
    sign_method: signMethod,
    customerId: "stub-cust-code",
  };
}

/*
 * Computed independently of this project, in bash (UTF-8 locale), with
 *   P="app_key12345678customerIdstub-cust-codeformatxmlmethodtaobao.qimen.order.cancelsign_method${M}timestamp2024-03-01 12:00:00v2.0"
 *   md5:         printf '%s' "sandbox-secret${P}${BODY}sandbox-secret" | md5sum
 *   hmac:        printf '%s' "${P}${BODY}" | openssl dgst -md5 -hmac sandbox-secret
 *   hmac-sha256: printf '%s' "${P}${BODY}" | openssl dgst -sha256 -hmac sandbox-secret
 * where BODY is CANCEL_BODY (242 bytes) and M the sign method; hex upper-cased with tr a-f A-F.
 */
export const EXPECTED_CANCEL_SIGNS: Readonly<Record<SignMethod, string>> = {
  md5: "FBC353AC0BA6839D95A8BC1726945E98",
  hmac: "D6A21CD66EBE2AF78800256E3B57144A",
  "hmac-sha256": "03C063C8D2C5DA28FEA1EE2EB5BE61FBD9E8BF8A1BDE071EDC67EE7F77D4ECF9",
};
