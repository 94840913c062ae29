import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { BROKER_ENV, brokerAuthFromEnv, brokerSecrets } from "../provider-verify/broker.js";
import { assertQimenContract, loadContracts } from "../provider-verify/contracts.js";
import { shippedContractsDir } from "../src/package-paths.js";
import { redactor } from "../provider-verify/verdict.js";
import { isQimenError } from "../src/protocol/errors.js";
import { EXIT, numericFlag, parseCommandArgs, requireOption, UsageError, type CliIo, type Command } from "./command.js";
import { runPactCli, type PactCliRunner } from "./pact-cli.js";

/*
 * The broker commands both teams run, over Pact's official Rust CLI (`pact broker …` from
 * @pact-foundation/pact-cli): qimen-pact checks the arguments, passes the credentials in the
 * environment (never on the command line, where ps shows them), masks them in the CLI's output,
 * and maps its exit code onto ours.
 */

const CREDENTIALS = `Broker: --broker-url URL (or set ${BROKER_ENV.baseUrl}); credentials from ${BROKER_ENV.token}
(a bearer token) or ${BROKER_ENV.username} and ${BROKER_ENV.password}, handed to the official CLI
in its environment and masked in its output.`;

const EXIT_CODES = (yes: string, no: string): string => `Exit codes:
  0  ${yes}
  1  ${no}, or the Pact Broker could not be reached or refused the request
  2  usage or configuration error (a missing or bad flag; the official CLI's own usage errors)
`;

const BROKER_URL_OPTION = { "broker-url": { type: "string" } } as const;

/** What every broker command shares: the broker URL, the credentials, and how the CLI runs. */
interface BrokerRun {
  readonly io: CliIo;
  readonly runner: PactCliRunner;
  readonly brokerUrl: string | undefined;
}

/**
 * Runs `pact broker <argv…>` against the broker, its output passed through with the credentials
 * masked; resolves to our exit code (0 yes, 1 no or broker failure, 2 the CLI's usage error).
 */
async function runBroker({ io, runner, brokerUrl }: BrokerRun, argv: readonly string[]): Promise<number> {
  const url = requireOption(brokerUrl, "--broker-url", io, BROKER_ENV.baseUrl);
  if (!URL.canParse(url) || !["http:", "https:"].includes(new URL(url).protocol)) {
    throw new UsageError(`--broker-url must be an absolute http(s) URL, got "${url}"`);
  }
  const redact = redactor(brokerSecrets(brokerAuthFromEnv(io.env)));
  const env = Object.fromEntries(
    Object.entries({ ...io.env, [BROKER_ENV.baseUrl]: url, PACT_DO_NOT_TRACK: "true" }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  let exitCode: number;
  try {
    exitCode = await runner(["broker", ...argv], env, {
      stdout: (text) => io.stdout(redact(text)),
      stderr: (text) => io.stderr(redact(text)),
    });
  } catch (error) {
    io.stderr(`qimen-pact: cannot run Pact's official CLI (@pact-foundation/pact-cli): ${redact(String(error))}\n`);
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

const publishHelp = `Usage: qimen-pact publish [CONTRACT|DIR]... --consumer-app-version V --branch B [--broker-url URL]

The ERP side: publishes the consumer's contracts to the Pact Broker (over \`pact broker publish\`),
for consumer version V on branch B, so that the WMS side verifies them. Each contract is read
and checked first: a file that is no Qimen order.cancel contract is never published.

Arguments:
  CONTRACT|DIR              Pact files, or directories of them (*.json); default: the contracts
                            qimen-pact ships (contracts/qimen-erp-qimen-wms.json)
Options:
  --consumer-app-version V  the ERP version the contracts belong to (e.g. the git sha)
  --branch B                its git branch: the WMS side's default selectors verify the
                            consumer's main branch, so a contract without one is never selected
  --broker-url URL          the Pact Broker
  -h, --help                show this help

${CREDENTIALS}

${EXIT_CODES("published", "the broker refused the contracts")}
Example:
  ${BROKER_ENV.token}=... qimen-pact publish --consumer-app-version "$GIT_SHA" --branch main \\
    --broker-url https://broker.example.com
`;

const canIDeployHelp = `Usage: qimen-pact can-i-deploy --pacticipant NAME --version V --to-environment ENV
                             [--retry-while-unknown N [--retry-interval SECONDS]] [--broker-url URL]

Both sides, before deploying: asks the Pact Broker (over \`pact broker can-i-deploy\`) whether
version V of NAME (qimen-erp or qimen-wms) has a successful verification with every version of
the other side already in ENV. The official CLI's table of verifications is printed as it is.

Options:
  --pacticipant NAME        the application to deploy, as named at the broker
  --version V               its version
  --to-environment ENV      the environment to deploy to (e.g. production)
  --retry-while-unknown N   ask again up to N times while a verification is still missing (the
                            other side's CI may still be verifying)
  --retry-interval SECONDS  seconds between those retries (the CLI's default: 10)
  --broker-url URL          the Pact Broker
  -h, --help                show this help

${CREDENTIALS}

${EXIT_CODES("yes: safe to deploy", "no: a verification failed or is missing")}
Example:
  qimen-pact can-i-deploy --pacticipant qimen-wms --version "$GIT_SHA" --to-environment production \\
    --retry-while-unknown 30 --retry-interval 10
`;

function recordHelp(kind: "deployment" | "release"): string {
  const verb = kind === "deployment" ? "deployed" : "released";
  const what =
    kind === "deployment"
      ? "a deployment (the version replaces the one deployed before)"
      : "a release (a version that stays supported next to earlier releases, e.g. a mobile app or an on-premise WMS)";
  return `Usage: qimen-pact record-${kind} --pacticipant NAME --version V --environment ENV [--broker-url URL]

Both sides, after deploying: records ${what} of version V of NAME in ENV at the Pact Broker
(over \`pact broker record-${kind}\`), so that can-i-deploy and the other side's default
selectors ({"deployedOrReleased": true}) know what is ${verb} where.

Options:
  --pacticipant NAME        the application ${verb}, as named at the broker
  --version V               its version
  --environment ENV         where it was ${verb} (the environment must exist at the broker);
                            --to-environment ENV, as can-i-deploy spells it, is the same
  --broker-url URL          the Pact Broker
  -h, --help                show this help

${CREDENTIALS}

${EXIT_CODES("recorded", "not recorded")}
Example:
  qimen-pact record-${kind} --pacticipant qimen-erp --version "$GIT_SHA" --environment production
`;
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
  runner: PactCliRunner,
): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: spec.help,
    async run(args, io) {
      const { brokerUrl, argv } = await spec.invocation(args);
      return runBroker({ io, runner, brokerUrl }, argv);
    },
  };
}

function publishCommand(runner: PactCliRunner): Command {
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
    runner,
  );
}

function canIDeployCommand(runner: PactCliRunner): Command {
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
    runner,
  );
}

function recordCommand(kind: "deployment" | "release", runner: PactCliRunner): Command {
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
    runner,
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
export function brokerCommands(runner: PactCliRunner = runPactCli): Command[] {
  return [
    publishCommand(runner),
    canIDeployCommand(runner),
    recordCommand("deployment", runner),
    recordCommand("release", runner),
  ];
}
