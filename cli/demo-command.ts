import { shippedContractsDir } from "../src/package-paths.js";
import { createSandboxWms, SANDBOX_APP_KEY, SANDBOX_SECRET } from "../src/wms/sandbox.js";
import { parseCommandArgs, SECRET_ENV, type Command } from "./command.js";
import { verifyCommand } from "./verify-command.js";

const help = `Usage: qimen-pact demo [--contracts DIR|FILE]... [--junit FILE] [--json FILE]

The whole gate on one machine: starts the sandbox WMS on a free loopback port, verifies it against
the contracts exactly as \`qimen-pact verify\` verifies a real WMS (gateway-style delivery, provider
states through the sandbox's state-change endpoint), prints the report and shuts the sandbox down.
\`npm start\` first lets the consumer tests write the contract, then runs this.

Options:
  --contracts PATH   a Pact contract file, or a directory of them; repeatable
                     (default: the contracts shipped with qimen-pact)
  --junit FILE       also write a JUnit XML report
  --json FILE        also write a JSON report
  -h, --help         show this help

Exit codes: 0 every interaction passed, 1 one failed, 2 usage error (as for verify).
`;

export const demoCommand: Command = {
  name: "demo",
  summary: "start the sandbox WMS on a free port and verify it against the contracts",
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
    const sandbox = createSandboxWms();
    const urls = await sandbox.listen({ host: "127.0.0.1", port: 0 });
    io.stdout(`Sandbox WMS listening on ${urls.qimenUrl.href} (provider states: ${urls.stateChangeUrl.href})\n`);
    try {
      return await verifyCommand.run(
        [
          ...["--provider-base-url", urls.qimenUrl.href, "--state-change-url", urls.stateChangeUrl.href],
          ...["--app-key", SANDBOX_APP_KEY],
          ...(values.contracts ?? [shippedContractsDir()]).flatMap((path) => ["--contracts", path]),
          ...(values.junit === undefined ? [] : ["--junit", values.junit]),
          ...(values.json === undefined ? [] : ["--json", values.json]),
        ],
        // Only the sandbox's documented test-only secret: no credential of the caller's leaks in.
        { ...io, env: { [SECRET_ENV]: SANDBOX_SECRET } },
      );
    } finally {
      await sandbox.close();
    }
  },
};
