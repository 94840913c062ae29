import { ORDER_CANCEL_SPEC, type MethodSpec } from "../../src/protocol/methods/order-cancel.js";
import { bodyProbes, robustnessProbes } from "./body-probes.js";
import { IDENTITY_PROBES, SIGNATURE_PROBES, TIMESTAMP_PROBES } from "./envelope-probes.js";
import type { Probe, ProbeEntry, ProbeGroup } from "./probe-model.js";

/** Every probe for a method, in the order they run and are listed: envelope first, then the body. */
export function probeCatalogue(spec: MethodSpec = ORDER_CANCEL_SPEC): Probe[] {
  const sections: [ProbeGroup, readonly ProbeEntry[]][] = [
    ["signature", SIGNATURE_PROBES],
    ["timestamp", TIMESTAMP_PROBES],
    ["identity", IDENTITY_PROBES],
    ["body", bodyProbes(spec)],
    ["robustness", robustnessProbes(spec)],
  ];
  return sections.flatMap(([group, entries]) => entries.map((entry) => ({ ...entry, group })));
}

/** Ids in `--only`/`--skip` that name no probe, or the probes selected. */
export type Selection = { readonly probes: Probe[] } | { readonly unknown: readonly string[] };

/** The probes `--only` keeps (all when absent) minus those `--skip` names. */
export function selectProbes(
  catalogue: readonly Probe[],
  only: readonly string[] | undefined,
  skip: readonly string[],
): Selection {
  const known = new Set(catalogue.map((probe) => probe.id));
  const unknown = [...(only ?? []), ...skip].filter((id) => !known.has(id));
  if (unknown.length > 0) return { unknown: [...new Set(unknown)] };
  return {
    probes: catalogue.filter((probe) => (only === undefined || only.includes(probe.id)) && !skip.includes(probe.id)),
  };
}
