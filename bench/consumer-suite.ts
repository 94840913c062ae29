import { once } from "node:events";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { secretCanaries } from "../consumer-tests/canary.js";
import { CONTRACT_FILE_NAME } from "../consumer-tests/contract.js";
import { interactionVariants } from "../consumer-tests/interaction-variants.js";
import type { InteractionSpec } from "../consumer-tests/interactions.js";
import { encodeCancelRequest } from "../src/protocol/request-codec.js";
import { encodeResponse } from "../src/protocol/response-codec.js";
import { ORDER_CANCEL_METHOD, signQuery } from "../src/protocol/system-params.js";
import { formatBeijingTimestamp } from "../src/protocol/timestamp.js";

/**
 * `tsx bench/consumer-suite.ts --variant as-is|recording|raw --count N [--out DIR]`: one consumer
 * suite of N generated interactions (consumer-tests/interaction-variants.ts) in a process of its
 * own, timed by the caller as a whole process; prints `{"loopMs": …}`, the time of the suite's
 * loop alone. With --out, the contract written is copied to DIR.
 * - as-is: Pact as the suite used it before, one pact merged and rewritten after every test;
 * - recording: one pact file per interaction, merged once (consumer-tests/contract-recording.ts);
 * - raw: the same requests, encoded and signed, sent with undici to a static server.
 * Pact is imported only by the variants that use it: loading it is part of their cost, not raw's.
 */
const { values } = parseArgs({
  strict: true,
  options: { variant: { type: "string" }, count: { type: "string" }, out: { type: "string" } },
});
const specs = interactionVariants(Number(values.count));
const secrets = secretCanaries();

async function inScratch<T>(work: (scratch: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(tmpdir(), "qimen-pact-bench-"));
  try {
    return await work(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function keep(contract: string): Promise<void> {
  if (values.out !== undefined) await copyFile(contract, join(values.out, CONTRACT_FILE_NAME));
}

async function asIs(): Promise<number> {
  const { createContractPact, recordInteraction } = await import("../consumer-tests/record-interaction.js");
  return inScratch(async (scratch) => {
    const started = performance.now();
    const pact = createContractPact(scratch);
    for (const spec of specs) await recordInteraction(pact, spec, secrets);
    const loopMs = performance.now() - started;
    await keep(join(scratch, CONTRACT_FILE_NAME));
    return loopMs;
  });
}

async function recording(): Promise<number> {
  const { startContractRecording } = await import("../consumer-tests/contract-recording.js");
  return inScratch(async (scratch) => {
    const started = performance.now();
    const contracts = startContractRecording(scratch);
    for (const spec of specs) await contracts.record(spec, secrets);
    const contract = await contracts.writeContract(scratch);
    const loopMs = performance.now() - started;
    await keep(contract);
    return loopMs;
  });
}

async function raw(): Promise<number> {
  const answer = encodeResponse({ flag: "success" });
  const server = createServer((incoming, response) => {
    incoming.resume();
    incoming.on("end", () => {
      response.writeHead(200, { "content-type": "text/xml;charset=utf-8" });
      response.end(answer);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/router/qimen/service`;
  const dispatcher = new Agent();
  try {
    const started = performance.now();
    for (const spec of specs) await send(endpoint, spec, dispatcher);
    return performance.now() - started;
  } finally {
    await dispatcher.close();
    server.close();
  }
}

async function send(endpoint: string, spec: InteractionSpec, dispatcher: Agent): Promise<void> {
  const body = encodeCancelRequest(spec.request);
  const system = {
    method: ORDER_CANCEL_METHOD.long,
    timestamp: formatBeijingTimestamp(new Date()),
    appKey: "qimen-pact-example-app",
    customerId: "qimen-pact-example-customer",
  };
  const { search } = signQuery(system, body, secrets.secret);
  const response = await request(`${endpoint}?${search}`, {
    method: "POST",
    headers: { "content-type": "text/xml;charset=utf-8" },
    body,
    dispatcher,
  });
  await response.body.text();
}

const VARIANTS: Readonly<Record<string, () => Promise<number>>> = { "as-is": asIs, recording, raw };
const run = VARIANTS[values.variant ?? ""];
if (run === undefined) throw new Error(`--variant must be one of ${Object.keys(VARIANTS).join(", ")}`);
process.stdout.write(`${JSON.stringify({ loopMs: await run() })}\n`);
