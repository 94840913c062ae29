import { BROKER_ENV } from "../provider-verify/broker.js";

/* The --help texts of the broker commands (broker-commands.ts). */

export const CREDENTIALS = `Broker: --broker-url URL (or set ${BROKER_ENV.baseUrl}); credentials from ${BROKER_ENV.token}
(a bearer token) or ${BROKER_ENV.username} and ${BROKER_ENV.password}, handed to the official CLI
in its environment and masked in its output.`;

export const EXIT_CODES = (yes: string, no: string): string => `Exit codes:
  0  ${yes}
  1  ${no}, the Pact Broker could not be reached (checked first, one line, within 5 s), or it
     failed the request
  2  usage or configuration error: a missing or bad flag, credentials in --broker-url, the
     broker refused the credentials (HTTP 401/403, naming the one sent), the official CLI's own
     usage errors
`;

export const publishHelp = `Usage: qimen-pact publish [CONTRACT|DIR]... --consumer-app-version V --branch B [--broker-url URL]

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

export const canIDeployHelp = `Usage: qimen-pact can-i-deploy --pacticipant NAME --version V --to-environment ENV
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

export function recordHelp(kind: "deployment" | "release"): string {
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
