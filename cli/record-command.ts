import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { QIMEN_PROVIDER } from "../src/contract-conventions.js";
import { ORDER_STATUS_NAMES } from "../src/wms/order-store.js";
import { FaultSpecError, parseFaultSpec, type FaultRule } from "../src/wms/gateway-faults.js";
import { consoleReport, jsonRecordReport, junitRecordReport } from "../src/recording/record-report.js";
import { SeedError, startRecording, type RecordingResult } from "../src/recording/recorder.js";
import { describeExit, runChild, type ChildExit } from "./child-command.js";
import {
  APP_KEY_ENV,
  CUSTOMER_ID_ENV,
  EXIT,
  parseCommandArgs,
  SECRET_ENV,
  UsageError,
  type CliIo,
  type Command,
} from "./command.js";
import { RECORD_HELP } from "./record-help.js";
import { writeAtomically } from "./report-files.js";

export const URL_ENV = "QIMEN_URL";
export const STATE_CHANGE_URL_ENV = "QIMEN_STATE_CHANGE_URL";
/** The recording's test credentials when none are given: what the contract shows as example app_key and customerId. */
export const RECORD_APP_KEY = "qimen-pact-record-app";
export const RECORD_CUSTOMER_ID = "qimen-pact-record-customer";
const CONSUMER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface RecordSettings {
  readonly consumer: string;
  readonly out: string;
  readonly appKey: string;
  readonly secret: string;
  readonly customerId: string;
  readonly strict: boolean;
  readonly junit: string | undefined;
  readonly json: string | undefined;
  readonly seed: readonly unknown[];
  readonly answerDialects: boolean;
  readonly faults: readonly FaultRule[];
}

export const recordCommand: Command = {
  name: "record",
  summary: "run an ERP's tests against a recording sandbox WMS: judge every call, write the ERP's contract",
  help: RECORD_HELP,
  async run(args, io) {
    const separator = args.indexOf("--");
    const argv = separator === -1 ? [] : args.slice(separator + 1);
    if (argv.length === 0)
      throw new UsageError("give the test command after --, e.g. record --consumer my-erp -- mvn -B test");
    const settings = await parseSettings(args.slice(0, separator));
    let recording;
    try {
      recording = await startRecording({ ...settings, ...(settings.seed.length === 0 ? {} : { seed: settings.seed }) });
    } catch (error) {
      if (error instanceof SeedError) throw new UsageError(`--seed: ${error.message}`, { cause: error });
      throw error;
    }
    io.stderr(`qimen-pact record: sandbox WMS at ${recording.urls.qimenUrl.href}, running ${argv.join(" ")}\n`);
    let exit: ChildExit;
    try {
      exit = await runChild({
        argv,
        env: childEnv(io, settings, recording.urls),
        stdout: io.stdout,
        stderr: io.stderr,
        signal: io.signal,
      });
    } finally {
      await recording.close();
    }
    const result = recording.result();
    return report(result, exit, settings, io);
  },
};

async function parseSettings(args: readonly string[]): Promise<RecordSettings> {
  const { values } = parseCommandArgs({
    args: [...args],
    options: {
      consumer: { type: "string" },
      out: { type: "string", default: "contracts" },
      "app-key": { type: "string", default: RECORD_APP_KEY },
      secret: { type: "string" },
      "customer-id": { type: "string", default: RECORD_CUSTOMER_ID },
      junit: { type: "string" },
      json: { type: "string" },
      seed: { type: "string" },
      strict: { type: "boolean", default: false },
      "answer-dialects": { type: "boolean", default: false },
      faults: { type: "string" },
    },
    strict: true,
  });
  const consumer = values.consumer;
  if (consumer === undefined) throw new UsageError("missing --consumer NAME (the ERP's name in the contract)");
  if (!CONSUMER_NAME.test(consumer))
    throw new UsageError(`--consumer must be letters, digits, ".", "_" or "-", got "${consumer}"`);
  for (const flag of ["app-key", "secret", "customer-id", "out"] as const) {
    if (values[flag] === "") throw new UsageError(`--${flag} must not be empty`);
  }
  return {
    consumer,
    out: values.out,
    appKey: values["app-key"],
    // A fresh secret per run: the ERP reads it from the environment, and it can never leak into a committed file.
    secret: values.secret ?? `record-${randomBytes(12).toString("hex")}`,
    customerId: values["customer-id"],
    strict: values.strict,
    junit: values.junit,
    json: values.json,
    seed: values.seed === undefined ? [] : await readSeed(values.seed),
    answerDialects: values["answer-dialects"],
    faults: values.faults === undefined ? [] : faultRules(values.faults),
  };
}

function faultRules(spec: string): FaultRule[] {
  try {
    return parseFaultSpec(spec);
  } catch (error) {
    if (!(error instanceof FaultSpecError)) throw error;
    throw new UsageError(`--faults: ${error.message} (qimen-pact record --help shows the grammar)`, { cause: error });
  }
}

async function readSeed(file: string): Promise<unknown[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--seed ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new UsageError(
      `--seed ${file}: must be a JSON list of documents, each {"warehouseCode", "orderCode", "status", …}; status one of ${ORDER_STATUS_NAMES.join(", ")}`,
    );
  }
  return parsed as unknown[];
}

function childEnv(io: CliIo, settings: RecordSettings, urls: { qimenUrl: URL; stateChangeUrl: URL }) {
  return {
    ...io.env,
    [URL_ENV]: urls.qimenUrl.href,
    [STATE_CHANGE_URL_ENV]: urls.stateChangeUrl.href,
    [APP_KEY_ENV]: settings.appKey,
    [SECRET_ENV]: settings.secret,
    [CUSTOMER_ID_ENV]: settings.customerId,
  };
}

async function report(result: RecordingResult, exit: ChildExit, settings: RecordSettings, io: CliIo): Promise<number> {
  io.stdout(consoleReport(result, settings.secret));
  const contract = join(settings.out, `${settings.consumer}-${QIMEN_PROVIDER}.json`);
  await writeAtomically(contract, result.contract, "the contract");
  io.stdout(`Wrote the contract to ${contract}\n`);
  if (settings.junit !== undefined)
    await writeAtomically(settings.junit, junitRecordReport(result, settings.secret), "--junit");
  if (settings.json !== undefined)
    await writeAtomically(settings.json, jsonRecordReport(result, settings.secret), "--json");
  const failedCalls = result.calls.filter((call) => call.verdict === "failed").length;
  const failedFaults = result.faults.filter((fault) => fault.verdict === "failed").length;
  const commandOk = exit.kind === "exited" && exit.code === 0;
  const passed = commandOk && failedCalls === 0 && failedFaults === 0;
  const verdict = [
    describeExit(exit),
    failedCalls === 0 ? "every call conformed" : `${failedCalls} call${failedCalls === 1 ? "" : "s"} did not conform`,
    ...(failedFaults === 0
      ? []
      : [`${failedFaults} gateway fault${failedFaults === 1 ? "" : "s"} not handled as a correct ERP does`]),
  ].join("; ");
  io.stdout(`qimen-pact record: ${passed ? "PASSED" : "FAILED"}: ${verdict}\n`);
  if (exit.kind === "signalled" && io.signal.aborted) return EXIT.interrupted;
  return passed ? EXIT.ok : EXIT.failed;
}
