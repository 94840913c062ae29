import type { Contract } from "../../provider-verify/contracts.js";
import type { InteractionResult } from "../../provider-verify/results.js";
import { verifyProvider } from "../../provider-verify/verify-provider.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { startVariant, type WmsVariant } from "./wms-variants.js";

/** The contracts with only the interactions described, in contract order. */
export function only(contracts: readonly Contract[], descriptions: readonly string[]): Contract[] {
  return contracts.map((contract) => ({
    ...contract,
    interactions: contract.interactions.filter((interaction) => descriptions.includes(interaction.description)),
  }));
}

/** Verifies a running provider with the sandbox's credentials. */
export async function verifyUrls(
  urls: { readonly qimenUrl: URL; readonly stateChangeUrl: URL },
  contracts: readonly Contract[],
): Promise<readonly InteractionResult[]> {
  const report = await verifyProvider({
    contracts,
    providerUrl: urls.qimenUrl,
    stateChangeUrl: urls.stateChangeUrl,
    secret: SANDBOX_SECRET,
    appKey: SANDBOX_APP_KEY,
  });
  return report.interactions;
}

/** Starts the variant, verifies it against the contracts, closes it. */
export async function verifyVariant(
  variant: WmsVariant,
  contracts: readonly Contract[],
): Promise<readonly InteractionResult[]> {
  const running = await startVariant(variant);
  try {
    return await verifyUrls(running, contracts);
  } finally {
    await running.close();
  }
}

/** Each interaction's failure reasons as `kind @ where`, sorted; [] when it passed. */
export function reasonsByInteraction(results: readonly InteractionResult[]): Record<string, string[]> {
  return Object.fromEntries(
    results.map((result) => [
      result.description,
      result.reasons.map((reason) => `${reason.kind} @ ${reason.where}`).sort(),
    ]),
  );
}
