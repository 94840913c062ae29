import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Agent } from "undici";
import { loadContracts, type Contract } from "../provider-verify/contracts.js";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET } from "../src/wms/sandbox.js";
import { generateContract, readCommittedContract } from "../test/support/generated-contracts.js";
import { httpsProvider, plainProvider, type Provider } from "./lib/providers.js";
import { rawReplay } from "./verify-raw-replay.js";

/*
 * The raw limit of a verification, measured warm and in the benchmark's own process: the same
 * state setups, signed calls and teardowns verify makes, sent one after another over one
 * keep-alive undici connection to a sandbox in this process, each answer compared with
 * fast-xml-parser. No process start, no Pact: what the HTTP exchanges alone cost. A separate raw
 * process would add its own start-up to the baseline and flatter the ratio.
 */

/** Interactions replayed first, untimed, so the connection, the JIT and the sandbox are warm. */
const WARM_UP = 200;

export interface RawTiming {
  readonly ms: number;
  /** Interactions whose answer matched the contract's example. */
  readonly passed: number;
}

async function contractOf(size: number, scratch: string, name: string): Promise<Contract[]> {
  const file = join(scratch, `${name}.json`);
  await writeFile(file, JSON.stringify(generateContract(await readCommittedContract(), size)));
  return loadContracts([file]);
}

export async function rawWarm(size: number, transport: "plain" | "https"): Promise<RawTiming> {
  const scratch = await mkdtemp(join(tmpdir(), "qimen-pact-bench-raw-"));
  const sandbox = createSandboxWms();
  let provider: Provider | undefined;
  try {
    provider = transport === "https" ? await httpsProvider(sandbox, scratch) : await plainProvider(sandbox);
    const dispatcher = new Agent({
      connections: 1,
      ...(provider.certificate === undefined ? {} : { connect: { ca: provider.certificate.pem } }),
    });
    const replay = (contracts: readonly Contract[]) =>
      rawReplay({
        contracts,
        gateway: {
          providerUrl: provider?.qimenUrl as URL,
          secret: SANDBOX_SECRET,
          appKey: SANDBOX_APP_KEY,
          methodName: "short",
        },
        stateChangeUrl: provider?.stateChangeUrl as URL,
        concurrency: 1,
        dispatcher,
      });
    try {
      await replay(await contractOf(WARM_UP, scratch, "warm-up"));
      const contracts = await contractOf(size, scratch, "timed");
      const started = performance.now();
      const outcome = await replay(contracts);
      return { ms: performance.now() - started, passed: outcome.replayed - outcome.differing.length };
    } finally {
      await dispatcher.close();
    }
  } finally {
    await (provider ?? sandbox).close();
    await rm(scratch, { recursive: true, force: true });
  }
}
