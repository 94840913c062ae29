import { contentTypePattern } from "./protocol/content-type.js";
import { ORDER_TYPE_CODES } from "./protocol/order-types.js";

/*
 * What a qimen-pact contract says beyond Pact's own format, shared by the consumer tests that
 * write contracts and the verifier that reads them.
 */

/**
 * How a contract marks the interaction the gateway must deliver with a deliberately wrong
 * signature: `"comments": { "qimenSignature": "invalid" }`. A comment, because it says how the
 * request is delivered, not what the WMS holds, and Pact tools carry comments through untouched.
 */
export const BAD_SIGNATURE_COMMENT = { key: "qimenSignature", value: "invalid" } as const;

/** Whether a Pact interaction carries BAD_SIGNATURE_COMMENT. */
export function isBadSignatureInteraction(interaction: { readonly comments?: unknown }): boolean {
  const { comments } = interaction;
  return (
    typeof comments === "object" &&
    comments !== null &&
    (comments as Record<string, unknown>)[BAD_SIGNATURE_COMMENT.key] === BAD_SIGNATURE_COMMENT.value
  );
}

/** The provider every qimen-pact contract names: the file is `<consumer>-qimen-wms.json`. */
export const QIMEN_PROVIDER = "qimen-wms";

/*
 * The matchers of a qimen-pact contract, one set for every writer (the consumer tests through
 * pact-js, `qimen-pact record` directly): what every caller sends the same is matched exactly, what
 * varies by caller or by call (sign, timestamp, app_key, customerId, a failure's code and message)
 * by shape. Regex sources valid in JavaScript and in Rust's regex crate, which Pact's core uses.
 */
export const SIGN_PATTERN = "^[0-9A-F]{32}$";
export const TOKEN_PATTERN = "^\\S+$";
/** Any text with at least one visible character. */
export const TEXT_PATTERN = "^\\s*\\S[\\s\\S]*$";
/** Each WMS registers its own path, so the path is matched by shape. */
export const PATH_PATTERN = "^/\\S*$";
export const ORDER_TYPE_PATTERN = `^(?:${ORDER_TYPE_CODES.join("|")})$`;
/** Content-Type by the one grammar of src/protocol/content-type.ts: what SpiUtils accepts, what the SDK reads. */
export const REQUEST_CONTENT_TYPE_PATTERN = contentTypePattern("request");
export const ANSWER_CONTENT_TYPE_PATTERN = contentTypePattern("answer");

/** The instant every example timestamp of a contract shows, so a contract never changes with the clock. */
export const EXAMPLE_NOW = new Date("2025-01-15T02:30:00.000Z");
/**
 * Published, TEST-ONLY secret behind a contract's example signs: an example sign is then a real md5
 * sign of the example request, while the secret the ERP really used is never written anywhere.
 */
export const EXAMPLE_SECRET = "qimen-pact-example-secret";
