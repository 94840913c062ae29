import { fileURLToPath } from "node:url";

/** The contract the consumer tests commit: what the gate verifies WMSs against. */
export const COMMITTED_CONTRACT = fileURLToPath(new URL("../../contracts/qimen-erp-qimen-wms.json", import.meta.url));

/** Interactions of the committed contract that the tests single out. */
export const DESCRIPTIONS = {
  NEW: "a cancel of a NEW outbound order with only the required fields",
  DELIVERED: "a cancel of an order that is already DELIVERED",
  CANCELED: "a repeated cancel of an order that is already CANCELED",
  EVERY_FIELD: "a cancel with every optional field",
  WRONG_SIGN: "a cancel signed with the wrong secret",
} as const;
