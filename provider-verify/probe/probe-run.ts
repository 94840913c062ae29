import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import type { Dispatcher } from "undici";
import { ORDER_CANCEL_SPEC, type MethodSpec } from "../../src/protocol/methods/order-cancel.js";
import { QIMEN_CONTENT_TYPE } from "../../src/protocol/system-params.js";
import { redactor } from "../../src/redaction.js";
import type { ResponseSummary } from "../results.js";
import { stateChangeFailure } from "../state-answer.js";
import { callHttp, isNoAnswer, probeTcp, shownUrl, verifierDispatcher } from "../transport.js";
import { summarise } from "../verdict.js";
import { urlSecrets } from "../verify-options.js";
import { EXPECTED, judgeAnswer } from "./oracle.js";
import type { Expectation, Probe, ProbeGroup, Severity } from "./probe-model.js";

/** `warned`: an advisory probe failed and the run is not --strict. */
export type ProbeVerdict = "passed" | "failed" | "warned";

export interface ProbeResult {
  readonly id: string;
  readonly group: ProbeGroup;
  readonly severity: Severity;
  readonly expects: Expectation;
  readonly sends: string;
  readonly verdict: ProbeVerdict;
  readonly expected: string;
  /** What came instead, when it was not what the probe expects (or the document could not be seeded). */
  readonly got?: string;
  readonly fix?: string;
  readonly answer?: ResponseSummary;
  /** The document seeded for this probe alone. */
  readonly orderCode: string;
  readonly notes: readonly string[];
  readonly durationMs: number;
}

export interface ProbeReport {
  readonly providerUrl: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly strict: boolean;
  readonly summary: {
    readonly total: number;
    readonly passed: number;
    readonly failed: number;
    readonly warned: number;
  };
  readonly results: readonly ProbeResult[];
  /** Set when the provider could not be reached at all: then no probe ran. */
  readonly unreachable?: string;
}

export interface ProbeRunOptions {
  readonly probes: readonly Probe[];
  readonly providerUrl: URL;
  readonly stateChangeUrl: URL;
  readonly appKey: string;
  readonly secret: string;
  readonly customerId: string;
  /** Deadline of each HTTP call, connect and whole answer included. */
  readonly timeoutMs: number;
  readonly strict: boolean;
  readonly spec?: MethodSpec;
  /** Warehouse of the documents seeded. Default PROBE_WAREHOUSE_CODE. */
  readonly warehouseCode?: string;
  /** The clock the calls' timestamps come from. Default: the system clock. */
  readonly now?: () => Date;
  /** Makes this run's order codes unique. Default: random. */
  readonly runId?: string;
  /** Aborted: no further probe starts. */
  readonly signal?: AbortSignal;
  readonly onResult?: (result: ProbeResult) => void;
}

export const PROBE_WAREHOUSE_CODE = "QIMEN-PACT-PROBE";
/** Every seeded document is NEW: cancellable, so only a check the WMS makes can refuse the call. */
const SEEDED_STATUS = "NEW";

interface RunSettings extends Required<Omit<ProbeRunOptions, "signal" | "onResult" | "probes">> {
  readonly dispatcher: Dispatcher;
}

/** Runs the probes one after another: seed a document, send the probe's call, tear the document down, judge. */
export async function runProbes(options: ProbeRunOptions): Promise<ProbeReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const header = { providerUrl: shownUrl(options.providerUrl), startedAt, strict: options.strict };
  const unreachable = await probeTcp(options.providerUrl, options.timeoutMs);
  if (unreachable !== undefined) return finish(header, [], started, unreachable);
  const settings: RunSettings = {
    ...options,
    spec: options.spec ?? ORDER_CANCEL_SPEC,
    warehouseCode: options.warehouseCode ?? PROBE_WAREHOUSE_CODE,
    now: options.now ?? (() => new Date()),
    runId: options.runId ?? randomBytes(4).toString("hex").toUpperCase(),
    dispatcher: verifierDispatcher(options.timeoutMs),
  };
  const results: ProbeResult[] = [];
  try {
    for (const [index, probe] of options.probes.entries()) {
      if (options.signal?.aborted === true) break;
      const result = await runProbe(probe, `QPP-${settings.runId}-${String(index + 1).padStart(2, "0")}`, settings);
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    await settings.dispatcher.close();
  }
  return finish(header, results, started, undefined);
}

function finish(
  header: Pick<ProbeReport, "providerUrl" | "startedAt" | "strict">,
  results: ProbeResult[],
  started: number,
  unreachable: string | undefined,
): ProbeReport {
  const count = (verdict: ProbeVerdict): number => results.filter((result) => result.verdict === verdict).length;
  return {
    ...header,
    durationMs: Math.round(performance.now() - started),
    summary: { total: results.length, passed: count("passed"), failed: count("failed"), warned: count("warned") },
    results,
    ...(unreachable === undefined ? {} : { unreachable }),
  };
}

async function runProbe(probe: Probe, orderCode: string, settings: RunSettings): Promise<ProbeResult> {
  const started = performance.now();
  const document = { warehouseCode: settings.warehouseCode, orderCode, status: SEEDED_STATUS };
  const call = probe.build({ ...settings, ...document, now: settings.now() });
  const redact = redactor([settings.secret, ...urlSecrets(settings.stateChangeUrl), ...call.signs]);
  const verdictOf = (failed: boolean): ProbeVerdict =>
    !failed ? "passed" : probe.severity === "advisory" && !settings.strict ? "warned" : "failed";
  const base = {
    id: probe.id,
    group: probe.group,
    severity: probe.severity,
    expects: probe.expects,
    sends: probe.sends,
    expected: EXPECTED[probe.expects],
    orderCode,
  };
  const elapsed = (): number => Math.round(performance.now() - started);

  const setup = await changeState(settings, document, "setup");
  if (setup !== undefined) {
    const got = redact(`the state-change endpoint could not seed the document, so the probe cannot judge: ${setup}`);
    return {
      ...base,
      verdict: verdictOf(true),
      got,
      fix: 'make the state-change endpoint set up "an order exists"',
      notes: [],
      durationMs: elapsed(),
    };
  }
  const url = new URL(settings.providerUrl.href);
  url.search = `?${call.search}`;
  const outcome = await callHttp(
    { url, method: "POST", headers: { "content-type": QIMEN_CONTENT_TYPE }, body: call.body },
    settings.dispatcher,
    settings.timeoutMs,
  );
  const teardown = await changeState(settings, document, "teardown");
  const finding = judgeAnswer(probe.expects, outcome);
  return {
    ...base,
    verdict: verdictOf(finding !== undefined),
    ...(finding === undefined ? {} : { got: redact(finding), fix: probe.fix }),
    ...(isNoAnswer(outcome) ? {} : { answer: summarise(outcome.status, outcome.headers, outcome.body, redact) }),
    notes: teardown === undefined ? [] : [redact(`teardown of the seeded document failed: ${teardown}`)],
    durationMs: elapsed(),
  };
}

async function changeState(
  settings: RunSettings,
  params: Readonly<Record<string, string>>,
  action: "setup" | "teardown",
): Promise<string | undefined> {
  const change = { state: settings.spec.providerStates.documentExists.name, params, action };
  const outcome = await callHttp(
    {
      url: settings.stateChangeUrl,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(change), "utf8"),
    },
    settings.dispatcher,
    settings.timeoutMs,
  );
  return stateChangeFailure(outcome, settings.stateChangeUrl);
}
