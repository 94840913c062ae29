/*
 * What `qimen-pact record` finds wrong with one call an ERP made, judged as an SDK-built WMS
 * (SpiUtils behind the Qimen gateway) would take it. A `fail` finding means such a WMS refuses the
 * call, or it breaks a rule every Qimen sender keeps; a `warn` finding means it was accepted here
 * but a real WMS may take it differently (`--strict` turns warnings into failures).
 */

export type Severity = "fail" | "warn";

export interface Finding {
  /** A stable name of the check, e.g. `sign`, `timestamp`, `param-empty`, `order-type`. */
  readonly check: string;
  readonly severity: Severity;
  /** What is wrong and, where it can be seen, why; never a secret, the expected sign or the signed string. */
  readonly message: string;
}

/** How a call came out: conforms (no findings), warned (warnings only), failed (a failure, or a warning under --strict). */
export type Verdict = "conforms" | "warned" | "failed";

export function verdictOf(findings: readonly Finding[], strict: boolean): Verdict {
  if (findings.some(({ severity }) => severity === "fail" || strict)) return "failed";
  return findings.length === 0 ? "conforms" : "warned";
}

export const fail = (check: string, message: string): Finding => ({ check, severity: "fail", message });
export const warn = (check: string, message: string): Finding => ({ check, severity: "warn", message });
