import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { loadContracts, type Contract } from "../provider-verify/contracts.js";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET } from "../src/wms/sandbox.js";
import { generateContract, readCommittedContract } from "../test/support/generated-contracts.js";
import { httpsProvider, plainProvider, type Provider } from "./lib/providers.js";

/**
 * `tsx bench/verify-suite.ts --variant verify --count N [--jobs J] [--https]`: verifies a
 * generated contract of N interactions (test/support/generated-contracts.ts) against a sandbox WMS in this
 * process, timed by the caller as a whole process; prints `{"loopMs", "total", "passed"}`, the
 * verification alone and how many interactions it passed.
 * - verify: `qimen-pact verify`'s verifyProvider, J worker processes (default: the core count);
 *   its raw limit is measured warm in the benchmark's own process (bench/verify-raw-warm.ts);
 * - --https: the sandbox behind TLS, its self-signed certificate (made with the openssl command)
 *   trusted through NODE_EXTRA_CA_CERTS by the verifier's workers.
 */
const { values } = parseArgs({
  strict: true,
  options: {
    variant: { type: "string" },
    count: { type: "string" },
    jobs: { type: "string", default: String(availableParallelism()) },
    https: { type: "boolean", default: false },
  },
});
const count = Number(values.count);
const jobs = Number(values.jobs);

async function verify(contracts: readonly Contract[], provider: Provider): Promise<number> {
  const { verifyProvider } = await import("../provider-verify/verify-provider.js");
  const report = await verifyProvider({
    contracts,
    providerUrl: provider.qimenUrl,
    stateChangeUrl: provider.stateChangeUrl,
    secret: SANDBOX_SECRET,
    appKey: SANDBOX_APP_KEY,
    jobs,
    env: {
      ...process.env,
      ...(provider.certificate === undefined ? {} : { NODE_EXTRA_CA_CERTS: provider.certificate.file }),
    },
  });
  return report.summary.passed;
}

const scratch = await mkdtemp(join(tmpdir(), "qimen-pact-bench-verify-"));
try {
  const variant = values.variant === "verify" ? verify : undefined;
  if (variant === undefined || !Number.isInteger(count) || count < 1 || !Number.isInteger(jobs) || jobs < 1) {
    throw new Error("usage: tsx bench/verify-suite.ts --variant verify --count N [--jobs J] [--https]");
  }
  const file = join(scratch, "contract.json");
  await writeFile(file, JSON.stringify(generateContract(await readCommittedContract(), count)));
  const contracts = await loadContracts([file]);
  const sandbox = createSandboxWms();
  const provider = values.https ? await httpsProvider(sandbox, scratch) : await plainProvider(sandbox);
  try {
    const started = performance.now();
    const passed = await variant(contracts, provider);
    const loopMs = performance.now() - started;
    process.stdout.write(`${JSON.stringify({ loopMs, total: count, passed })}\n`);
  } finally {
    await provider.close();
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
