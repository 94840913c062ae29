import { randomBytes } from "node:crypto";

export interface SecretCanaries {
  /** Stands in for the ERP's real secret. */
  readonly secret: string;
  /** Stands in for a secret the WMS does not know (the wrong-signature interaction). */
  readonly wrongSecret: string;
}

/** Random secrets, fresh per run, that tests then search for in everything the run wrote. */
export function secretCanaries(): SecretCanaries {
  return { secret: canary(), wrongSecret: canary() };
}

function canary(): string {
  return `CANARY-${randomBytes(16).toString("hex")}`;
}

/**
 * Which of the named outputs contain either secret. Names only: a failing check must not print the
 * secret it found.
 */
export function outputsLeaking(outputs: Readonly<Record<string, string>>, canaries: SecretCanaries): string[] {
  return Object.entries(outputs)
    .filter(([, text]) => text.includes(canaries.secret) || text.includes(canaries.wrongSecret))
    .map(([name]) => name);
}
