import { OptionError } from "../protocol/errors.js";
import { PROVIDER_STATES_PATH } from "./provider-states.js";

/* The sandbox's option checks: each refuses a value the sandbox cannot honour with an OptionError naming it. */

export function checkPath(path: string): string {
  if (typeof path !== "string" || !/^\/[^?#\s]*$/.test(path) || path === PROVIDER_STATES_PATH) {
    throw new OptionError(
      "path",
      `a URL path: "/" first, no "?", "#" or spaces, and not ${PROVIDER_STATES_PATH}`,
      path,
    );
  }
  return path;
}

export function checkCredentials(credentials: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  const entries = Object.entries(credentials);
  if (
    entries.length === 0 ||
    entries.some(([appKey, secret]) => appKey === "" || typeof secret !== "string" || secret === "")
  ) {
    // The value itself holds secrets: never quoted.
    throw new OptionError("credentials", "a map of at least one non-empty app_key to a non-empty secret", {});
  }
  return new Map(entries);
}

export function checkCustomerId(customerId: string | undefined): string | undefined {
  if (customerId !== undefined && (typeof customerId !== "string" || customerId === "")) {
    throw new OptionError("customerId", "a non-empty string, or left out to serve any customerId", customerId);
  }
  return customerId;
}

/** Node's longest timer: a longer drain deadline would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A positive number of milliseconds, at most `max` when it is used as a timer. */
export function checkDuration(name: string, milliseconds: number, max = Number.MAX_VALUE): number {
  if (typeof milliseconds !== "number" || !(milliseconds > 0 && milliseconds <= max)) {
    const expected = `a positive number of milliseconds${max === Number.MAX_VALUE ? "" : `, at most ${max}`}`;
    throw new OptionError(name, expected, milliseconds);
  }
  return milliseconds;
}
