import { createSandboxWms, type SandboxWmsUrls } from "../wms/sandbox.js";
import { applyStateChange } from "../wms/provider-states.js";
import { OrderStore } from "../wms/order-store.js";
import type { ObservedCall } from "../wms/observed-call.js";
import type { QimenAnswer } from "../wms/qimen-call.js";
import { behavioursOf, type Behaviour, type Unrecordable } from "./behaviours.js";
import { verdictOf, type Finding, type Verdict } from "./findings.js";
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
}

export interface JudgedCall {
  /** 1 for the first call received. */
  readonly number: number;
  readonly orderCode: string | undefined;
  readonly answer: QimenAnswer;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
}

export interface RecordingResult {
  readonly consumer: string;
  readonly calls: readonly JudgedCall[];
  readonly behaviours: readonly Behaviour[];
  /** Conforming calls no provider state can reproduce, left out of the contract. */
  readonly unrecordable: readonly Unrecordable[];
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
    };
  });
  const conforming = observed.filter((_, index) => calls[index]?.verdict !== "failed");
  const { behaviours, unrecordable } = behavioursOf(conforming);
  return {
    consumer: options.consumer,
    calls,
    behaviours,
    unrecordable,
    contract: pactFile(options.consumer, behaviours),
  };
}
