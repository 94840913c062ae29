import { probeCatalogue, selectProbes } from "../provider-verify/probe/catalogue.js";
import { EXPECTED } from "../provider-verify/probe/oracle.js";
import {
  probeHeader,
  probeJsonReport,
  probeJunitReport,
  probeList,
  probeResultLines,
  probeSummary,
} from "../provider-verify/probe/probe-reports.js";
import { PROBE_WAREHOUSE_CODE, runProbes, type ProbeRunOptions } from "../provider-verify/probe/probe-run.js";
import { DEFAULT_TIMEOUT_MS } from "../provider-verify/verify-provider.js";
import { shortSecretWarning } from "../src/redaction.js";
import {
  APP_KEY_ENV,
  CUSTOMER_ID_ENV,
  EXIT,
  parseCommandArgs,
  requireOption,
  SECRET_ENV,
  UsageError,
  type CliIo,
  type Command,
} from "./command.js";
import { writeReportFiles } from "./report-files.js";
import { stateChangeUrlOption, timeoutOption, urlOption } from "./connection-flags.js";

const help = `Usage: qimen-pact probe --provider-base-url URL --state-change-url URL --app-key K --secret S
                        --customer-id C [--only ID,...] [--skip ID,...] [--strict]
                        [--timeout-ms N] [--junit FILE] [--json FILE]
       qimen-pact probe --list

Go-live probes for a WMS: a contract says what the ERP relies on when calls are right; these say
whether the WMS refuses what is wrong (Qimen's own go-live checks, 验签测试 and 编码测试, and more
that careful ERPs depend on), and survives calls that are unusual but valid. --list shows every
probe with its id, severity, what it sends and why. The body probes are generated from the
order.cancel spec data (required fields, codes, limits, maps, lists).

The oracle. Qimen refuses with HTTP 200, not 4xx. A probe expecting a refusal passes when the
answer is ${EXPECTED.refused}; a 5xx, an HTML page, a timeout, a reset
or success fails it, with expected vs got and the fix in plain words. Robustness probes (unusual
but valid calls) pass on any SDK-readable envelope, success or failure.

Documents. Before each probe's call, the state-change endpoint is asked for "an order exists"
(warehouseCode ${PROBE_WAREHOUSE_CODE}, a fresh orderCode QPP-<run>-<n>, status NEW), so a refusal
for an unknown order cannot hide a missing check; after the call the same document is torn down.
Probes touch no document they did not create.

Severity. Required probes fail the run. Advisory ones (signature.hmac, timestamp.future-11-minutes,
identity.other-customer-id) print WARN and leave the exit code alone, unless --strict.

Bounds: the probes run one after another; each makes three HTTP calls (setup, probe, teardown),
each within --timeout-ms, so a run takes at most (1 + 3 x probes) x --timeout-ms.

Options:
  --provider-base-url URL   the WMS's registered Qimen URL, path included, no query
  --state-change-url URL    the WMS's Pact provider-state endpoint (see verify --help)
  --app-key K               app_key to sign with (or set ${APP_KEY_ENV})
  --secret S                the app secret (or set ${SECRET_ENV}; prefer the variable: flags show in ps)
  --customer-id C           the customerId the WMS serves (or set ${CUSTOMER_ID_ENV})
  --only ID,...             run only these probes
  --skip ID,...             run every probe but these
  --strict                  advisory probes fail the run too
  --timeout-ms N            deadline of each HTTP call (default ${DEFAULT_TIMEOUT_MS})
  --junit FILE              also write a JUnit XML report, one testcase per probe
  --json FILE               also write a machine-readable JSON report
  --list                    list the probes and exit
  -h, --help                show this help

Output: one line per probe (PASS, FAIL or WARN, id, severity, duration); under a FAIL or WARN what
was sent, expected vs got, the fix and the answer. The secret and every sign computed are never
printed or written, in any spelling.

Exit codes:
  0  every required probe passed (advisory ones may have warned)
  1  a required probe failed (or, with --strict, an advisory one), or the WMS is unreachable
  2  usage error: unknown flag or probe id, missing credential or URL
`;

export const probeCommand: Command = {
  name: "probe",
  summary: "go-live probes: does a WMS refuse bad signatures, stale timestamps and broken bodies, Qimen-style",
  help,
  async run(args, io) {
    const { values } = parseCommandArgs({
      args: [...args],
      options: {
        "provider-base-url": { type: "string" },
        "state-change-url": { type: "string" },
        "app-key": { type: "string" },
        secret: { type: "string" },
        "customer-id": { type: "string" },
        only: { type: "string" },
        skip: { type: "string" },
        strict: { type: "boolean", default: false },
        "timeout-ms": { type: "string", default: String(DEFAULT_TIMEOUT_MS) },
        junit: { type: "string" },
        json: { type: "string" },
        list: { type: "boolean", default: false },
      },
      strict: true,
    });
    const catalogue = probeCatalogue();
    const selection = selectProbes(catalogue, idList(values.only), idList(values.skip) ?? []);
    if ("unknown" in selection) {
      throw new UsageError(
        `unknown probe id ${selection.unknown.join(", ")}; the probes are: ${catalogue.map((probe) => probe.id).join(", ")}`,
      );
    }
    if (values.list) {
      io.stdout(probeList(selection.probes));
      return EXIT.ok;
    }
    const target = connectionOptions(values, io);
    const shortSecret = shortSecretWarning(target.secret);
    if (shortSecret !== undefined) io.stderr(`qimen-pact probe: warning: ${shortSecret}\n`);
    io.stdout(probeHeader(target.providerUrl.origin + target.providerUrl.pathname, selection.probes.length));
    const report = await runProbes({
      ...target,
      probes: selection.probes,
      strict: values.strict,
      signal: io.signal,
      onResult: (result) => io.stdout(probeResultLines(result)),
    });
    io.stdout(probeSummary(report));
    await writeReportFiles(
      report,
      { junit: values.junit, json: values.json },
      { junit: probeJunitReport, json: probeJsonReport },
      io,
    );
    if (io.signal.aborted) io.stderr("qimen-pact probe: interrupted before every probe ran\n");
    return report.summary.failed === 0 && report.unreachable === undefined && !io.signal.aborted
      ? EXIT.ok
      : EXIT.failed;
  },
};

/** Where and as whom the probes call, from the flags or the environment; UsageError when one is missing. */
function connectionOptions(
  values: Readonly<Record<string, string | boolean | undefined>>,
  io: CliIo,
): Pick<ProbeRunOptions, "providerUrl" | "stateChangeUrl" | "appKey" | "secret" | "customerId" | "timeoutMs"> {
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  return {
    providerUrl: urlOption(requireOption(text("provider-base-url"), "--provider-base-url", io), "--provider-base-url"),
    stateChangeUrl: stateChangeUrlOption(requireOption(text("state-change-url"), "--state-change-url", io)),
    appKey: requireOption(text("app-key"), "--app-key", io, APP_KEY_ENV),
    secret: requireOption(text("secret"), "--secret", io, SECRET_ENV),
    customerId: requireOption(text("customer-id"), "--customer-id", io, CUSTOMER_ID_ENV),
    timeoutMs: timeoutOption(text("timeout-ms") ?? String(DEFAULT_TIMEOUT_MS)),
  };
}

/** A comma-separated list of probe ids, blanks dropped; undefined when the flag is absent. */
function idList(value: string | undefined): string[] | undefined {
  return value
    ?.split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
}
