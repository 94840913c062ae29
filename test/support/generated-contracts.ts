import { readFile } from "node:fs/promises";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";

type Json = Record<string, unknown>;

export interface PactJson extends Json {
  readonly interactions: readonly Json[];
}

/** The contract the consumer tests commit: the seven real interactions every generated one copies. */
export async function readCommittedContract(): Promise<PactJson> {
  return JSON.parse(await readFile(COMMITTED_CONTRACT, "utf8")) as PactJson;
}

/**
 * A contract of `count` interactions: copies of the real ones in turn, copy k with its own
 * description and its own order codes (in its states, request and expected answer alike), so
 * every copy sets up and cancels an order no other copy touches, however they are run.
 */
export function generateContract(base: PactJson, count: number): PactJson {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const interactions = Array.from({ length: count }, (_, k) => {
    const original = base.interactions[k % base.interactions.length];
    if (original === undefined) throw new RangeError("the base contract has no interactions to copy");
    let text = JSON.stringify(original);
    for (const code of orderCodesOf(original)) text = text.replaceAll(code, `${code}-G${k}`);
    const copy = JSON.parse(text) as Json;
    return { ...copy, description: `${String(original["description"])} (copy ${k})` };
  });
  return { ...base, interactions };
}

/** The `orderCode` params of an interaction's provider states. */
function orderCodesOf(interaction: Json): string[] {
  const states = Array.isArray(interaction["providerStates"]) ? (interaction["providerStates"] as Json[]) : [];
  return states.flatMap((state) => {
    const code = (state["params"] as Json | undefined)?.["orderCode"];
    return typeof code === "string" && code !== "" ? [code] : [];
  });
}
