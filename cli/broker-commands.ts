import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { BROKER_ENV, brokerAuthFromEnv, brokerSecrets, describeCredentials } from "../provider-verify/broker.js";
import { probeTcp } from "../provider-verify/transport.js";
import { assertQimenContract, loadContracts } from "../provider-verify/contracts.js";
import { shippedContractsDir } from "../src/package-paths.js";
import { redactor } from "../provider-verify/verdict.js";
import { isQimenError } from "../src/protocol/errors.js";
import { EXIT, numericFlag, parseCommandArgs, requireOption, UsageError, type CliIo, type Command } from "./command.js";
import { runPactCli, type PactCliRunner } from "./pact-cli.js";
import { canIDeployHelp, publishHelp, recordHelp } from "./broker-help.js";

/*
 * The broker commands both teams run, over Pact's official Rust CLI (`pact broker …` from
 * @pact-foundation/pact-cli): qimen-pact checks the arguments, passes the credentials in the
 * environment (never on the command line, where ps shows them), masks them in the CLI's output,
 * and maps its exit code onto ours.
 */

const BROKER_URL_OPTION = { "broker-url": { type: "string" } } as const;

/** Why the broker at `url` cannot be reached, or undefined when a connection opens. */
export type BrokerReach = (url: URL) => Promise<string | undefined>;

/** How long the reachability check waits for a connection: the official CLI alone retries for about a minute. */
const REACH_TIMEOUT_MS = 5_000;
const reachByTcp: BrokerReach = (url) => probeTcp(url, REACH_TIMEOUT_MS);

/** What every broker command shares: the broker URL, the credentials, and how the CLI runs. */
interface BrokerRun {
  readonly io: CliIo;
  readonly runner: PactCliRunner;
  readonly reach: BrokerReach;
  readonly brokerUrl: string | undefined;
}

/** The official CLI's words for a refused credential. */
const REFUSED = /\b(401)\b[^\n]*Unauthorized|\b(403)\b[^\n]*Forbidden/i;

/**
 * Runs `pact broker <argv…>` against the broker, its output passed through with the credentials
 * masked; resolves to our exit code (0 yes, 1 no or broker failure, 2 the CLI's usage error).
 */
async function runBroker({ io, runner, reach, brokerUrl }: BrokerRun, argv: readonly string[]): Promise<number> {
  const url = requireOption(brokerUrl, "--broker-url", io, BROKER_ENV.baseUrl);
  if (!URL.canParse(url) || !["http:", "https:"].includes(new URL(url).protocol)) {
    throw new UsageError(`--broker-url must be an absolute http(s) URL, got "${url}"`);
  }
  const parsed = new URL(url);
  if (parsed.username !== "" || parsed.password !== "") {
    throw new UsageError(
      `--broker-url must not carry credentials: set ${BROKER_ENV.username} and ${BROKER_ENV.password}, or ${BROKER_ENV.token}`,
    );
  }
  const auth = brokerAuthFromEnv(io.env);
  const redact = redactor(brokerSecrets(auth));
  // One line at once, instead of the official CLI's retries for about a minute.
  const unreachable = await reach(parsed);
  if (unreachable !== undefined) {
    io.stderr(`qimen-pact: the Pact Broker ${parsed.origin} cannot be reached: ${redact(unreachable)}\n`);
    return EXIT.failed;
  }
  const env = Object.fromEntries(
    Object.entries({ ...io.env, [BROKER_ENV.baseUrl]: url, PACT_DO_NOT_TRACK: "true" }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  let exitCode: number;
  let refused: string | undefined;
  const passOn = (write: (text: string) => void) => (text: string) => {
    refused ??= REFUSED.exec(text)
      ?.slice(1)
      .find((status) => status !== undefined);
    write(redact(text));
  };
  try {
    exitCode = await runner(["broker", ...argv], env, { stdout: passOn(io.stdout), stderr: passOn(io.stderr) });
  } catch (error) {
    io.stderr(`qimen-pact: cannot run Pact's official CLI (@pact-foundation/pact-cli): ${redact(String(error))}\n`);
    return EXIT.usage;
  }
  if (exitCode !== 0 && refused !== undefined) {
    // A configuration error, as verify --broker-url says it: which credential was refused.
    io.stderr(`qimen-pact: the Pact Broker refused the credentials (HTTP ${refused}): ${describeCredentials(auth)}\n`);
    return EXIT.usage;
  }
  return exitCode === 0 ? EXIT.ok : exitCode === EXIT.usage ? EXIT.usage : EXIT.failed;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`missing ${flag}`);
  return value;
}

/** The shipped contract files: what the ERP side publishes unless told otherwise. */
async function shippedContractFiles(): Promise<string[]> {
  const directory = shippedContractsDir();
  return (await readdir(directory))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => join(directory, name));
}

/** What a broker command asks of the official CLI: `pact broker <argv…>` against this broker. */
interface BrokerInvocation {
  readonly brokerUrl: string | undefined;
  readonly argv: readonly string[];
}

function brokerCommand(
  spec: Pick<Command, "name" | "summary" | "help"> & {
    /** Checks the command's arguments (UsageError) and builds the official CLI's. */
    readonly invocation: (args: readonly string[]) => Promise<BrokerInvocation> | BrokerInvocation;
  },
  seams: BrokerSeams,
): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: spec.help,
    async run(args, io) {
      const { brokerUrl, argv } = await spec.invocation(args);
      return runBroker({ io, ...seams, brokerUrl }, argv);
    },
  };
}

/** What tests replace: the official CLI, and the reachability check. */
interface BrokerSeams {
  readonly runner: PactCliRunner;
  readonly reach: BrokerReach;
}

function publishCommand(seams: BrokerSeams): Command {
  const summary = "ERP side: publish the contracts to a Pact Broker, over the official pact CLI";
  return brokerCommand(
    {
      name: "publish",
      summary,
      help: publishHelp,
      async invocation(args) {
        const { values, positionals } = parseCommandArgs({
          args: [...args],
          options: { "consumer-app-version": { type: "string" }, branch: { type: "string" }, ...BROKER_URL_OPTION },
          allowPositionals: true,
          strict: true,
        });
        const version = required(values["consumer-app-version"], "--consumer-app-version");
        const branch = required(values.branch, "--branch");
        const files = positionals.length === 0 ? await shippedContractFiles() : positionals;
        try {
          (await loadContracts(files)).forEach(assertQimenContract);
        } catch (error) {
          if (isQimenError(error, "QIMEN_CONTRACT_INVALID")) throw new UsageError(error.message);
          throw error;
        }
        const argv = ["publish", ...files, "--consumer-app-version", version, "--branch", branch];
        return { brokerUrl: values["broker-url"], argv };
      },
    },
    seams,
  );
}

function canIDeployCommand(seams: BrokerSeams): Command {
  const summary = "both sides: ask the Pact Broker whether a version may be deployed to an environment";
  return brokerCommand(
    {
      name: "can-i-deploy",
      summary,
      help: canIDeployHelp,
      invocation(args) {
        const { values } = parseCommandArgs({
          args: [...args],
          options: {
            ...VERSION_OPTIONS,
            "to-environment": { type: "string" },
            "retry-while-unknown": { type: "string" },
            "retry-interval": { type: "string" },
            ...BROKER_URL_OPTION,
          },
          strict: true,
        });
        const retries = values["retry-while-unknown"];
        const interval = values["retry-interval"];
        if (retries !== undefined) {
          numericFlag(retries, "--retry-while-unknown", { expected: "a whole number of retries", allowZero: true });
        }
        if (interval !== undefined) {
          if (retries === undefined) throw new UsageError("--retry-interval needs --retry-while-unknown");
          numericFlag(interval, "--retry-interval", { expected: "a positive whole number of seconds" });
        }
        const argv = [
          "can-i-deploy",
          ...versionArgs(values),
          ...["--to-environment", required(values["to-environment"], "--to-environment")],
          ...(retries === undefined ? [] : ["--retry-while-unknown", retries]),
          ...(interval === undefined ? [] : ["--retry-interval", interval]),
        ];
        return { brokerUrl: values["broker-url"], argv };
      },
    },
    seams,
  );
}

function recordCommand(kind: "deployment" | "release", seams: BrokerSeams): Command {
  const where = kind === "deployment" ? "deployed to" : "released in";
  return brokerCommand(
    {
      name: `record-${kind}`,
      summary: `both sides: record at the Pact Broker that a version was ${where} an environment`,
      help: recordHelp(kind),
      invocation(args) {
        const { values } = parseCommandArgs({
          args: [...args],
          options: {
            ...VERSION_OPTIONS,
            environment: { type: "string" },
            "to-environment": { type: "string" },
            ...BROKER_URL_OPTION,
          },
          strict: true,
        });
        if (values.environment !== undefined && values["to-environment"] !== undefined) {
          throw new UsageError("give --environment or --to-environment, not both: they name the same environment");
        }
        const environment = values.environment ?? values["to-environment"];
        const argv = [
          `record-${kind}`,
          ...versionArgs(values),
          ...["--environment", required(environment, "--environment")],
        ];
        return { brokerUrl: values["broker-url"], argv };
      },
    },
    seams,
  );
}

const VERSION_OPTIONS = { pacticipant: { type: "string" }, version: { type: "string" } } as const;

/** `--pacticipant NAME --version V`, both required. */
function versionArgs(values: { readonly pacticipant?: string; readonly version?: string }): string[] {
  return [
    ...["--pacticipant", required(values.pacticipant, "--pacticipant")],
    ...["--version", required(values.version, "--version")],
  ];
}

/** The broker commands, running the official CLI through `runner` (tests pass a recording one). */
export function brokerCommands(runner: PactCliRunner = runPactCli, reach: BrokerReach = reachByTcp): Command[] {
  const seams = { runner, reach };
  return [
    publishCommand(seams),
    canIDeployCommand(seams),
    recordCommand("deployment", seams),
    recordCommand("release", seams),
  ];
}
