import { shippedContractsDir } from "../src/package-paths.js";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET } from "../src/wms/sandbox.js";
import { APP_KEY_ENV, CUSTOMER_ID_ENV, EXIT, parseCommandArgs, SECRET_ENV, type Command } from "./command.js";
import { probeCommand } from "./probe-command.js";
import { verifyCommand } from "./verify-command.js";

/** The customerId the demo's sandbox serves, so the probe of another customerId is refused too. */
const DEMO_CUSTOMER_ID = "qimen-sandbox-customer";

const help = `Usage: qimen-pact demo [--contracts DIR|FILE]... [--junit FILE] [--json FILE]

The whole gate on one machine: starts the sandbox WMS on a free loopback port, verifies it against
the contracts exactly as \`qimen-pact verify\` verifies a real WMS (gateway-style delivery, provider
states through the sandbox's state-change endpoint), then runs the go-live probes against it as
\`qimen-pact probe\` does, prints both reports and shuts the sandbox down.
\`npm start\` first lets the consumer tests write the contract, then runs this.

Options:
  --contracts PATH   a Pact contract file, or a directory of them; repeatable
                     (default: the contracts shipped with qimen-pact)
  --junit FILE       also write verify's JUnit XML report
  --json FILE        also write verify's JSON report
  -h, --help         show this help

Exit codes: 0 every interaction and required probe passed, 1 one failed, 2 usage error (as for verify).
`;

export const demoCommand: Command = {
  name: "demo",
  summary: "start the sandbox WMS on a free port, verify it against the contracts, then run the go-live probes",
  help,
  async run(args, io) {
    const { values } = parseCommandArgs({
      args: [...args],
      options: {
        contracts: { type: "string", multiple: true },
        junit: { type: "string" },
        json: { type: "string" },
      },
      strict: true,
    });
    const sandbox = createSandboxWms({ customerId: DEMO_CUSTOMER_ID });
    const urls = await sandbox.listen({ host: "127.0.0.1", port: 0 });
    io.stdout(`Sandbox WMS listening on ${urls.qimenUrl.href} (provider states: ${urls.stateChangeUrl.href})\n`);
    // Only the sandbox's documented test-only credentials: no credential of the caller's leaks in.
    const env = { [SECRET_ENV]: SANDBOX_SECRET, [APP_KEY_ENV]: SANDBOX_APP_KEY, [CUSTOMER_ID_ENV]: DEMO_CUSTOMER_ID };
    const target = ["--provider-base-url", urls.qimenUrl.href, "--state-change-url", urls.stateChangeUrl.href];
    try {
      const verified = await verifyCommand.run(
        [
          ...target,
          ...(values.contracts ?? [shippedContractsDir()]).flatMap((path) => ["--contracts", path]),
          ...(values.junit === undefined ? [] : ["--junit", values.junit]),
          ...(values.json === undefined ? [] : ["--json", values.json]),
        ],
        { ...io, env },
      );
      if (verified === EXIT.usage || io.signal.aborted) return verified;
      io.stdout("\nGo-live probes (qimen-pact probe):\n");
      const probed = await probeCommand.run(target, { ...io, env });
      return verified === EXIT.ok ? probed : verified;
    } finally {
      await sandbox.close();
    }
  },
};
