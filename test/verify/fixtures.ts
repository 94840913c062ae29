import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import type { ContractInteraction } from "../../provider-verify/contracts.js";

/** Interactions of the committed contract that the tests single out. */
export const DESCRIPTIONS = {
  NEW: "a cancel of a NEW outbound order with only the required fields",
  DELIVERED: "a cancel of an order that is already DELIVERED",
  CANCELED: "a repeated cancel of an order that is already CANCELED",
  EVERY_FIELD: "a cancel with every optional field",
  WRONG_SIGN: "a cancel signed with the wrong secret",
  UNKNOWN_ORDER: "a cancel of an order the WMS does not know",
} as const;

type Json = Record<string, unknown>;

/**
 * Writes `{dir}/contract.json`: the committed contract with only the interactions named (in
 * contract order), each passed through `edit`. Resolves to its path.
 */
export async function writeContractSubset(
  dir: string,
  descriptions: readonly string[],
  edit: (interaction: Json) => Json = (interaction) => interaction,
): Promise<string> {
  const pact = JSON.parse(await readFile(COMMITTED_CONTRACT, "utf8")) as Json & { interactions: Json[] };
  const interactions = pact.interactions.filter((interaction) =>
    descriptions.includes(String(interaction["description"])),
  );
  const path = join(dir, "contract.json");
  await writeFile(path, JSON.stringify({ ...pact, interactions: interactions.map(edit) }));
  return path;
}

/** The committed contract as a Pact Broker serves it: every interaction with the broker's `_id`. */
export async function brokerServedContract(): Promise<Json & { interactions: Json[] }> {
  const pact = JSON.parse(await readFile(COMMITTED_CONTRACT, "utf8")) as Json & { interactions: Json[] };
  return {
    ...pact,
    interactions: pact.interactions.map((interaction, index) => ({ _id: `id-${index + 1}`, ...interaction })),
  };
}

/** An interaction in a provider state, as read from a contract; each test adds the example and Pact source it needs. */
export const CANCEL_IN_STATE: Omit<ContractInteraction, "source"> = {
  contract: "c.json",
  consumer: "erp",
  provider: "wms",
  description: "a cancel",
  states: [{ name: "an order exists", params: { orderCode: "A1" } }],
  badSignature: false,
};
