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
