import { createSandboxWms, type SandboxWmsUrls } from "../wms/sandbox.js";
import { applyStateChange } from "../wms/provider-states.js";
import { OrderStore } from "../wms/order-store.js";
import type { ObservedCall } from "../wms/observed-call.js";
import { createAnswerRelay, type RelayNote } from "../wms/answer-relay.js";
import type { FaultRule } from "../wms/gateway-faults.js";
import type { QimenAnswer } from "../wms/qimen-call.js";
import { behavioursOf, type Behaviour, type Unrecordable } from "./behaviours.js";
import { verdictOf, type Finding, type Verdict } from "./findings.js";
import { faultOutcomes, type FaultOutcome } from "./fault-report.js";
import { judgeCall, type JudgeSettings } from "./judge-call.js";
import { pactFile } from "./pact-writer.js";

/** Where the recording sandbox serves Qimen calls: the gateway's own path, as the shipped contract shows. */
export const RECORDING_PATH = "/router/qimen/service";

/** How a recording judges and names what it records. */
export interface RecordingSettings extends JudgeSettings {
  /** The ERP's name: the contract is `<consumer>-qimen-wms.json`. */
  readonly consumer: string;
  /** Warnings fail the call too. */
  readonly strict?: boolean;
}

export interface RecordingOptions extends RecordingSettings {
  readonly appKey: string;
  readonly customerId: string;
  /** Documents the sandbox holds before the first call (`--seed`): each as the "an order exists" state's params. */
  readonly seed?: readonly unknown[];
  /** The sandbox's clock. Default: the system clock. */
  readonly now?: () => Date;
  /** Answers rotate through WMS dialects the official SDK reads (answer-dialects.ts). */
  readonly answerDialects?: boolean;
  /** Gateway faults to inject (gateway-faults.ts). */
  readonly faults?: readonly FaultRule[];
}

export interface JudgedCall {
  /** 1 for the first call received. */
  readonly number: number;
  readonly orderCode: string | undefined;
  readonly answer: QimenAnswer;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** How the answer reached the ERP, when a dialect or a gateway fault changed it; `answer` is the WMS's own. */
  readonly relayed?: RelayNote;
}

export interface RecordingResult {
  readonly consumer: string;
  readonly calls: readonly JudgedCall[];
  readonly behaviours: readonly Behaviour[];
  /** Conforming calls no provider state can reproduce, left out of the contract. */
  readonly unrecordable: readonly Unrecordable[];
  /** Per faulted call: what the ERP did next, against what a correct ERP does. */
  readonly faults: readonly FaultOutcome[];
  /** The Pact V4 file, deterministic for the same calls whatever their timing and order. */
  readonly contract: string;
}

export interface Recording {
  readonly urls: SandboxWmsUrls;
  /** Calls received so far. */
  calls(): number;
  /** Judges every call received so far and writes their contract; the sandbox keeps serving. */
  result(): RecordingResult;
  close(): Promise<void>;
}

/** A seed document the sandbox cannot hold: the state endpoint's own error, with the document's place in the list. */
export class SeedError extends Error {
  override readonly name = "SeedError";
}

/** Starts a sandbox on a free loopback port that records and judges every Qimen call it answers. */
export async function startRecording(options: RecordingOptions): Promise<Recording> {
  const store = new OrderStore();
  seedStore(store, options.seed ?? []);
  const observed: ObservedCall[] = [];
  const sandbox = createSandboxWms({
    credentials: { [options.appKey]: options.secret },
    customerId: options.customerId,
    path: RECORDING_PATH,
    store,
    onQimenCall: (call) => void observed.push(call),
    ...((options.answerDialects ?? false) || (options.faults?.length ?? 0) > 0
      ? { relay: createAnswerRelay({ dialects: options.answerDialects ?? false, faults: options.faults ?? [] }) }
      : {}),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const urls = await sandbox.listen({ host: "127.0.0.1", port: 0 });
  return {
    urls,
    calls: () => observed.length,
    result: () => recordingResult(options, observed),
    close: () => sandbox.close(),
  };
}

function seedStore(store: OrderStore, seed: readonly unknown[]): void {
  seed.forEach((document, index) => {
    const answer = applyStateChange({ state: "an order exists", params: document, action: "setup" }, store);
    if (answer.status !== 200) throw new SeedError(`seed document ${index + 1}: ${String(answer.body["error"])}`);
  });
}

export function recordingResult(options: RecordingSettings, observed: readonly ObservedCall[]): RecordingResult {
  const calls = observed.map((call, index): JudgedCall => {
    const findings = judgeCall(call, options);
    return {
      number: index + 1,
      orderCode: call.orderCode,
      answer: call.answer,
      verdict: verdictOf(findings, options.strict ?? false),
      findings,
      ...(call.relayed === undefined ? {} : { relayed: call.relayed }),
    };
  });
  // The contract holds what the WMS answered and the ERP relied on: an answer a gateway fault hid is left out.
  const conforming = observed.filter(
    (call, index) => calls[index]?.verdict !== "failed" && !hiddenByFault(call.relayed),
  );
  const { behaviours, unrecordable } = behavioursOf(conforming);
  const summaries = calls.map(({ number, orderCode, answer, relayed }) => ({
    number,
    orderCode,
    answer,
    ...(relayed?.fault === undefined ? {} : { fault: relayed.fault }),
  }));
  return {
    consumer: options.consumer,
    calls,
    behaviours,
    unrecordable,
    faults: faultOutcomes(summaries, options.strict ?? false),
    contract: pactFile(options.consumer, behaviours),
  };
}

function hiddenByFault(relayed: RelayNote | undefined): boolean {
  return relayed?.fault !== undefined && relayed.fault.kind !== "delay";
}
