import { execFile } from "node:child_process";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { Agent } from "undici";
import { loadContracts, type Contract } from "../provider-verify/contracts.js";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET, type SandboxWms } from "../src/wms/sandbox.js";
import { generateContract, readCommittedContract } from "../test/support/generated-contracts.js";

/**
 * `tsx bench/verify-suite.ts --variant verify|raw --count N [--jobs J] [--https]`: verifies a
 * generated contract of N interactions (test/support/generated-contracts.ts) against a sandbox WMS in this
 * process, timed by the caller as a whole process; prints `{"loopMs", "total", "passed"}`, the
 * verification alone and how many interactions it passed.
 * - verify: `qimen-pact verify`'s verifyProvider, J worker processes (default: the core count);
 * - raw: the same calls with undici, J in flight, answers compared with fast-xml-parser
 *   (bench/verify-raw-replay.ts);
 * - --https: the sandbox behind TLS, its self-signed certificate (made with the openssl command)
 *   trusted through NODE_EXTRA_CA_CERTS by the verifier's workers, through `ca` by raw.
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

interface Provider {
  readonly qimenUrl: URL;
  readonly stateChangeUrl: URL;
  /** PEM of the certificate to trust, for HTTPS. */
  readonly certificate?: { readonly file: string; readonly pem: string };
  close(): Promise<void>;
}

async function plainProvider(sandbox: SandboxWms): Promise<Provider> {
  const urls = await sandbox.listen();
  return { ...urls, close: () => sandbox.close() };
}

/** The sandbox's own request handler behind an HTTPS server with a fresh self-signed certificate. */
async function httpsProvider(sandbox: SandboxWms, scratch: string): Promise<Provider> {
  const [keyFile, certFile] = [join(scratch, "key.pem"), join(scratch, "cert.pem")];
  await promisify(execFile)("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
    ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile],
  ]);
  const pem = await readFile(certFile, "utf8");
  const server = createHttpsServer({ key: await readFile(keyFile), cert: pem }, (request, response) =>
    sandbox.server.emit("request", request, response),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const plain = await sandbox.listen();
  return {
    qimenUrl: new URL(plain.qimenUrl.pathname, origin),
    stateChangeUrl: new URL(plain.stateChangeUrl.pathname, origin),
    certificate: { file: certFile, pem },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
      await sandbox.close();
    },
  };
}

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

async function raw(contracts: readonly Contract[], provider: Provider): Promise<number> {
  const { rawReplay } = await import("./verify-raw-replay.js");
  const dispatcher = new Agent({
    connections: jobs,
    ...(provider.certificate === undefined ? {} : { connect: { ca: provider.certificate.pem } }),
  });
  try {
    const outcome = await rawReplay({
      contracts,
      gateway: { providerUrl: provider.qimenUrl, secret: SANDBOX_SECRET, appKey: SANDBOX_APP_KEY, methodName: "short" },
      stateChangeUrl: provider.stateChangeUrl,
      concurrency: jobs,
      dispatcher,
    });
    return outcome.replayed - outcome.differing.length;
  } finally {
    await dispatcher.close();
  }
}

const scratch = await mkdtemp(join(tmpdir(), "qimen-pact-bench-verify-"));
try {
  const variant = values.variant === "verify" ? verify : values.variant === "raw" ? raw : undefined;
  if (variant === undefined || !Number.isInteger(count) || count < 1 || !Number.isInteger(jobs) || jobs < 1) {
    throw new Error("usage: tsx bench/verify-suite.ts --variant verify|raw --count N [--jobs J] [--https]");
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
