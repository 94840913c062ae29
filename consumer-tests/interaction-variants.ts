import { INTERACTIONS, type InteractionSpec } from "./interactions.js";

/**
 * `count` interactions made from the INTERACTIONS rows in turn, each with a description and an
 * order code of its own: a suite of any size with the real suite's mix, for measuring how the
 * consumer suite scales (bench/) and for comparing the ways of writing its contract.
 */
export function interactionVariants(count: number): InteractionSpec[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  return Array.from({ length: count }, (_, index) => {
    const row = INTERACTIONS[index % INTERACTIONS.length] as InteractionSpec;
    const orderCode = `${row.request.orderCode}-V${index + 1}`;
    return {
      ...row,
      description: `${row.description} (variant ${index + 1})`,
      request: { ...row.request, orderCode },
      answer:
        row.answer.flag === "success"
          ? row.answer
          : { ...row.answer, message: row.answer.message.replaceAll(row.request.orderCode, orderCode) },
    };
  });
}
