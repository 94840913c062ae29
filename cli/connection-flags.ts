import { parseQimenEndpoint } from "../src/client/qimen-client.js";
import { MAX_TIMEOUT_MS } from "../provider-verify/transport.js";
import { numericFlag, UsageError } from "./command.js";

/*
 * The connection flags of commands that call a WMS without verifyProvider's option checks (probe):
 * each read into what the command needs, or a UsageError naming the flag.
 */

/** --timeout-ms: a positive whole number of milliseconds, at most Node's longest timer. */
export function timeoutOption(text: string): number {
  return numericFlag(text, "--timeout-ms", {
    expected: `a positive whole number of milliseconds, at most ${MAX_TIMEOUT_MS}`,
    max: MAX_TIMEOUT_MS,
  });
}

/** --state-change-url: an absolute http(s) URL. */
export function stateChangeUrlOption(value: string): URL {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || !["http:", "https:"].includes(url.protocol)) {
    throw new UsageError(`--state-change-url must be an absolute http(s) URL, got "${value}"`);
  }
  return url;
}

/** A Qimen endpoint flag (--provider-base-url, --url). */
export function urlOption(value: string, flag: string): URL {
  try {
    return parseQimenEndpoint(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message.replace(/^endpoint /, "")}`);
  }
}
