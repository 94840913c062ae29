import { getFfiLib } from "@pact-foundation/pact-core";

/*
 * One run of Pact's verifier core (the Rust verifier inside @pact-foundation/pact-core, through
 * the FFI functions the package exports) against our relay. Its result is the core's structured
 * JSON (`{result, errors, interactionResults, ...}`), read from the FFI whether the verification
 * passed or failed.
 */

export interface PactRun {
  readonly provider: string;
  /** The relay the core calls for every interaction, on loopback. */
  readonly relayPort: number;
  /** Where the core posts `{state, params, action}` before and after each interaction. */
  readonly stateChangeUrl: string;
  readonly pactFile: string;
  /** The core's own deadline for each of its calls. */
  readonly timeoutMs: number;
}

/** How the core names the calling application in its logs. */
const APPLICATION = { name: "qimen-pact", version: "1" } as const;

/**
 * Verifies the pact file against the relay and resolves to the core's JSON result. Never
 * rejects for a failing verification; when the core could not run at all, the JSON is replaced by
 * a text saying so, which the result reader (pact-results.ts) turns into a failure of every
 * interaction.
 */
export async function runPactVerifier(run: PactRun): Promise<string> {
  const ffi = getFfiLib("error");
  const handle = ffi.pactffiVerifierNewForApplication(APPLICATION.name, APPLICATION.version);
  try {
    ffi.pactffiVerifierSetProviderInfo(handle, run.provider, "http", "127.0.0.1", run.relayPort, "/");
    // Teardown calls too, with the state and its params in a JSON body.
    ffi.pactffiVerifierSetProviderState(handle, run.stateChangeUrl, true, true);
    ffi.pactffiVerifierSetVerificationOptions(handle, false, run.timeoutMs);
    ffi.pactffiVerifierAddFileSource(handle, run.pactFile);
    const failure = await new Promise<string | undefined>((resolve) => {
      ffi.pactffiVerifierExecute(handle, (error) => {
        resolve(error === null || error === undefined ? undefined : `Pact's verifier core failed: ${String(error)}`);
      });
    });
    return failure ?? ffi.pactffiVerifierJson(handle);
  } finally {
    ffi.pactffiVerifierShutdown(handle);
  }
}
