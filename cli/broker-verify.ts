import {
  BROKER_ENV,
  brokerAuthFromEnv,
  brokerSecrets,
  DEFAULT_CONSUMER_VERSION_SELECTORS,
  type BrokerConnection,
  type PactsForVerificationQuery,
} from "../provider-verify/broker.js";
import {
  brokerPactsHeader,
  contractsFromBroker,
  pendingMarker,
  publishResults,
  verificationResults,
  type BrokerContract,
} from "../provider-verify/broker-verify.js";
import type { InteractionResult, VerificationReport } from "../provider-verify/results.js";
import { redactor } from "../provider-verify/verdict.js";
import { isQimenError } from "../src/protocol/errors.js";
import { EXIT, UsageError, type CliIo } from "./command.js";

/** verify's Pact Broker flags, for its parseArgs options. */
export const BROKER_VERIFY_OPTIONS = {
  "broker-url": { type: "string" },
  provider: { type: "string" },
  "consumer-version-selectors": { type: "string" },
  "enable-pending": { type: "boolean" },
  "include-wip-pacts-since": { type: "string" },
  "provider-version": { type: "string" },
  "provider-branch": { type: "string" },
  publish: { type: "boolean" },
  "fail-if-no-pacts-found": { type: "string" },
} as const;

type BrokerFlagValues = {
  readonly [K in keyof typeof BROKER_VERIFY_OPTIONS]?: (typeof BROKER_VERIFY_OPTIONS)[K]["type"] extends "boolean"
    ? boolean
    : string;
};

export const BROKER_VERIFY_USAGE = `       qimen-pact verify --broker-url URL --provider NAME [--consumer-version-selectors JSON]
                         [--enable-pending] [--include-wip-pacts-since DATE]
                         [--provider-version V [--provider-branch B] --publish]
                         [--fail-if-no-pacts-found true|false] (and the options above but --contracts)`;

export const BROKER_VERIFY_HELP = `Pact Broker (instead of --contracts): the broker names the pacts to verify
(its pb:provider-pacts-for-verification API); each is verified as above and, with --publish,
gets one verification result with the result of each interaction. Credentials come from
${BROKER_ENV.token} (a bearer token) or ${BROKER_ENV.username} and ${BROKER_ENV.password}; they are
never printed.
  --broker-url URL          the Pact Broker (or set ${BROKER_ENV.baseUrl})
  --provider NAME           the provider's name at the broker, e.g. qimen-wms
  --consumer-version-selectors JSON
                            which consumer versions' pacts (default
                            ${JSON.stringify(DEFAULT_CONSUMER_VERSION_SELECTORS)})
  --enable-pending          ask for pending status: failures of a pending pact (one this
                            provider branch never verified yet) are reported and published, but
                            do not fail the build
  --include-wip-pacts-since DATE
                            also verify work-in-progress pacts published since DATE (YYYY-MM-DD),
                            which never fail the build either
  --provider-branch B       its branch: the broker decides pending status by it, and --publish
                            puts the version on it
  --publish                 publish one verification result per pact, for --provider-version
  --fail-if-no-pacts-found true|false
                            exit 1 (default true) or 0 when no pact matches the selectors
`;

/** What verify needs of the broker options, once they are checked. */
export interface BrokerVerify {
  readonly connection: BrokerConnection;
  readonly query: PactsForVerificationQuery;
  readonly publishAs?: { readonly version: string; readonly branch?: string };
  readonly failIfNoPacts: boolean;
  readonly redact: (text: string) => string;
}

/**
 * The broker settings of a verify invocation, or undefined when it names no broker (nor
 * --provider). Throws UsageError for a bad combination or value.
 */
export function brokerVerifySettings(
  values: BrokerFlagValues & { readonly contracts?: readonly string[] },
  io: CliIo,
  timeoutMs: number,
): BrokerVerify | undefined {
  if (values["broker-url"] === undefined && values.provider === undefined) {
    const brokerOnly = (["publish", "enable-pending"] as const).find((f) => values[f] !== undefined);
    if (brokerOnly !== undefined) throw new UsageError(`--${brokerOnly} needs --broker-url and --provider`);
    return undefined;
  }
  if (values.contracts !== undefined) {
    throw new UsageError("give either --contracts or --broker-url/--provider: the broker names the pacts to verify");
  }
  const brokerUrl = values["broker-url"] ?? io.env[BROKER_ENV.baseUrl];
  if (brokerUrl === undefined || brokerUrl === "")
    throw new UsageError(`missing --broker-url (or set ${BROKER_ENV.baseUrl})`);
  const baseUrl = URL.canParse(brokerUrl) ? new URL(brokerUrl) : undefined;
  if (baseUrl === undefined || !["http:", "https:"].includes(baseUrl.protocol)) {
    throw new UsageError(`--broker-url must be an absolute http(s) URL, got "${brokerUrl}"`);
  }
  if (baseUrl.username !== "" || baseUrl.password !== "") {
    throw new UsageError(
      `--broker-url must not carry credentials: set ${BROKER_ENV.username} and ${BROKER_ENV.password}, or ${BROKER_ENV.token}`,
    );
  }
  const provider = values.provider;
  if (provider === undefined || provider === "")
    throw new UsageError("missing --provider (the provider's name at the broker)");
  const version = values["provider-version"];
  if (values.publish === true && (version === undefined || version === "")) {
    throw new UsageError("--publish needs --provider-version: results are published for a provider version");
  }
  const branch = values["provider-branch"];
  const wipSince = values["include-wip-pacts-since"];
  if (wipSince !== undefined && !(/^\d{4}-\d{2}-\d{2}/.test(wipSince) && !Number.isNaN(Date.parse(wipSince)))) {
    throw new UsageError(`--include-wip-pacts-since must be a date (YYYY-MM-DD), got "${wipSince}"`);
  }
  const auth = brokerAuthFromEnv(io.env);
  return {
    connection: { baseUrl, auth, timeoutMs },
    query: {
      provider,
      consumerVersionSelectors: selectors(values["consumer-version-selectors"]),
      includePendingStatus: values["enable-pending"] === true,
      ...(wipSince === undefined ? {} : { includeWipPactsSince: wipSince }),
      ...(branch === undefined ? {} : { providerVersionBranch: branch }),
    },
    ...(values.publish === true && version !== undefined
      ? { publishAs: { version, ...(branch === undefined ? {} : { branch }) } }
      : {}),
    failIfNoPacts: trueOrFalse(values["fail-if-no-pacts-found"] ?? "true", "--fail-if-no-pacts-found"),
    redact: redactor(brokerSecrets(auth)),
  };
}

function selectors(json: string | undefined): PactsForVerificationQuery["consumerVersionSelectors"] {
  if (json === undefined) return DEFAULT_CONSUMER_VERSION_SELECTORS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--consumer-version-selectors is not JSON: ${(error as Error).message}`);
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(isObject)) {
    throw new UsageError(
      `--consumer-version-selectors must be a JSON list of selector objects, e.g. '[{"mainBranch":true}]', got ${json}`,
    );
  }
  return parsed;
}

function trueOrFalse(value: string, flag: string): boolean {
  if (value === "true" || value === "false") return value === "true";
  throw new UsageError(`${flag} must be true or false, got "${value}"`);
}

/** The pacts to verify, printed with why the broker chose them; or the exit code when there are none or the broker fails. */
export async function brokerContracts(broker: BrokerVerify, io: CliIo): Promise<BrokerContract[] | number> {
  try {
    const pacts = await contractsFromBroker(broker.connection, broker.query);
    io.stdout(broker.redact(brokerPactsHeader(pacts)));
    return pacts;
  } catch (error) {
    if (isQimenError(error, "QIMEN_BROKER_NO_PACTS")) {
      io.stderr(`qimen-pact verify: ${broker.redact(error.message)}\n`);
      return broker.failIfNoPacts ? EXIT.failed : EXIT.ok;
    }
    if (isQimenError(error, "QIMEN_CONTRACT_INVALID")) throw new UsageError(broker.redact(error.message));
    return brokerFailure(error, broker, io);
  }
}

/** Marks the results of pending and WIP pacts as the report streams (see pendingMarker). */
export function brokerResultMarker(
  pacts: readonly BrokerContract[] | undefined,
): (r: InteractionResult) => InteractionResult {
  return pacts === undefined ? (result) => result : pendingMarker(pacts);
}

/** With --publish, one verification result per pact; resolves to the exit code it imposes, if any. */
export async function publishBrokerResults(
  broker: BrokerVerify,
  pacts: readonly BrokerContract[],
  report: VerificationReport,
  io: CliIo,
): Promise<number | undefined> {
  if (broker.publishAs === undefined) return undefined;
  try {
    await publishResults(
      broker.connection,
      verificationResults(report, pacts, broker.publishAs.version),
      { provider: broker.query.provider, ...broker.publishAs },
      ({ pact, result }) =>
        io.stdout(
          broker.redact(
            `Published the verification result of ${pact.shortDescription} (${result.success ? "success" : "failure"}, provider version ${result.providerApplicationVersion}) to ${pact.publishUrl ?? pact.url}\n`,
          ),
        ),
    );
    return undefined;
  } catch (error) {
    return brokerFailure(error, broker, io);
  }
}

/** A broker failure in one line: exit 2 for refused credentials (configuration), else 1. */
function brokerFailure(error: unknown, broker: BrokerVerify, io: CliIo): number {
  if (isQimenError(error) && error.code.startsWith("QIMEN_BROKER_")) {
    io.stderr(`qimen-pact verify: ${broker.redact(error.message)}\n`);
    return error.code === "QIMEN_BROKER_AUTH" ? EXIT.usage : EXIT.failed;
  }
  if (error instanceof RangeError) {
    io.stderr(`qimen-pact verify: ${broker.redact(error.message)}\n`);
    return EXIT.failed;
  }
  throw error;
}
