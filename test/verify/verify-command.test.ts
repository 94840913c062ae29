import { expect } from "chai";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyCommand } from "../../cli/verify-command.js";
import { runCli } from "../support/fake-io.js";
import { deadEndpoint } from "../support/loopback-server.js";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";

const PROVIDER = "http://127.0.0.1:9/qimen";
const STATES = "http://127.0.0.1:9/pact/provider-states";
const VALID = ["--provider-base-url", PROVIDER, "--state-change-url", STATES, "--contracts", COMMITTED_CONTRACT];
const SECRET = { QIMEN_SECRET: "s3cret" };

describe("qimen-pact verify: usage and configuration errors exit 2 before verifying anything", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-verify-usage-"));
    await writeFile(join(dir, "broken.json"), "{ not json");
    // Read errors that happen even as root, who may read any file whatever its mode.
    await mkdir(join(dir, "holding-a-directory", "nested.json"), { recursive: true });
    await symlink(join(dir, "loop.json"), join(dir, "loop.json"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const CASES: readonly {
    readonly name: string;
    readonly args: () => string[];
    readonly env?: Record<string, string>;
    readonly says: RegExp;
  }[] = [
    {
      name: "an unknown flag",
      args: () => [...VALID, "--provider-url", PROVIDER],
      says: /Unknown option '--provider-url'/,
    },
    { name: "no provider URL", args: () => VALID.slice(2), says: /missing --provider-base-url$/m },
    { name: "no secret", args: () => VALID, env: {}, says: /missing --secret \(or set QIMEN_SECRET\)$/m },
    {
      name: "a provider URL with a query",
      args: () => [...VALID, "--provider-base-url", `${PROVIDER}?tenant=1`],
      says: /^qimen-pact verify: --provider-base-url: providerUrl must be a Qimen endpoint \(endpoint must not carry a query string or fragment.*\), got "http:\/\/127\.0\.0\.1:9\/qimen\?tenant=1"$/m,
    },
    {
      name: "a provider URL that is no http(s) URL",
      args: () => [...VALID, "--provider-base-url", "wms.example.com/qimen"],
      says: /^qimen-pact verify: --provider-base-url: providerUrl must be a Qimen endpoint \(endpoint must be an absolute http\(s\) URL.*\), got "wms\.example\.com\/qimen"$/m,
    },
    {
      name: "a state-change URL that is no URL",
      args: () => [...VALID, "--state-change-url", "/pact/provider-states"],
      says: /^qimen-pact verify: --state-change-url: stateChangeUrl must be an absolute http\(s\) URL, got "\/pact\/provider-states"$/m,
    },
    {
      name: "an unknown method name",
      args: () => [...VALID, "--method-name", "medium"],
      says: /^qimen-pact verify: --method-name: methodName must be "short" \(order\.cancel\) or "long" \(taobao\.qimen\.order\.cancel\), got "medium"$/m,
    },
    {
      name: "a zero timeout",
      args: () => [...VALID, "--timeout-ms", "0"],
      says: /^qimen-pact verify: --timeout-ms: timeoutMs must be a positive integer of milliseconds, at most 2147483647 \(Node's longest timer\), got 0$/m,
    },
    {
      // Node's timers fire at once past 2^31 − 1 ms: every call would fail as timed out.
      name: "a timeout longer than Node's longest timer",
      args: () => [...VALID, "--timeout-ms", "2147483648"],
      says: /^qimen-pact verify: --timeout-ms: timeoutMs must be a positive integer of milliseconds, at most 2147483647 \(Node's longest timer\), got 2147483648$/m,
    },
    {
      name: "a timeout that is no number",
      args: () => [...VALID, "--timeout-ms", "10s"],
      says: /^qimen-pact verify: --timeout-ms must be a whole number of milliseconds, got "10s"$/m,
    },
    {
      name: "zero worker processes",
      args: () => [...VALID, "--jobs", "0"],
      says: /^qimen-pact verify: --jobs: jobs must be a positive integer of worker processes, got 0$/m,
    },
    {
      name: "a number of worker processes that is no number",
      args: () => [...VALID, "--jobs", "two"],
      says: /^qimen-pact verify: --jobs must be a whole number of worker processes, got "two"$/m,
    },
    {
      name: "a part beyond the number of parts",
      args: () => [...VALID, "--shard", "5/4"],
      says: /--shard: the part must be a whole number from 1 to 4, got 5$/m,
    },
    {
      name: "a part that is no K/N",
      args: () => [...VALID, "--shard", "2of4"],
      says: /--shard: expected K\/N, e.g. 1\/4 for the first of four parts, got "2of4"$/m,
    },
    {
      name: "a missing contract",
      args: () => [...VALID, "--contracts", join(dir, "missing.json")],
      says: /cannot read contract .*missing\.json: ENOENT/,
    },
    {
      name: "a contract that cannot be read (a directory named *.json in the contracts directory)",
      args: () => [...VALID, "--contracts", join(dir, "holding-a-directory")],
      says: /cannot read contract .*holding-a-directory\/nested\.json: EISDIR/,
    },
    {
      name: "a contract path that cannot be resolved (a symbolic link to itself)",
      args: () => [...VALID, "--contracts", join(dir, "loop.json")],
      says: /cannot read contract .*loop\.json: ELOOP/,
    },
    {
      name: "an invalid contract",
      args: () => [...VALID, "--contracts", join(dir, "broken.json")],
      says: /contract .*broken\.json is not JSON/,
    },
    {
      name: "provider states without a state-change URL",
      args: () => ["--provider-base-url", PROVIDER, "--contracts", COMMITTED_CONTRACT],
      says: /^qimen-pact verify: --state-change-url: stateChangeUrl must be the provider's Pact state-change endpoint: the contracts need provider states \("an order exists", "no order exists"\), got undefined$/m,
    },
  ];
  for (const { name, args, env = SECRET, says } of CASES) {
    it(`for ${name}`, async () => {
      const result = await runCli(["verify", ...args()], env);
      expect({ exitCode: result.exitCode, stdout: result.stdout }).to.deep.equal({ exitCode: 2, stdout: "" });
      expect(result.stderr)
        .to.match(says)
        .and.to.match(/Run `qimen-pact verify --help` for usage\.\n$/);
    });
  }

  it("for a report file that cannot be written, after reporting on the console", async () => {
    const provider = await deadEndpoint();
    const result = await runCli(
      ["verify", ...VALID, "--provider-base-url", provider, "--junit", join(dir, "no-such-dir", "v.xml")],
      SECRET,
    );
    expect(result.exitCode).to.equal(2);
    expect(result.stdout).to.match(/^7 interactions: 0 passed, 7 failed/m);
    expect(result.stderr).to.match(/cannot write --junit .*v\.xml: ENOENT/);
  });
});

describe("qimen-pact verify --help", () => {
  const DOCUMENTED = [
    "--provider-base-url URL",
    "--contracts PATH",
    "--app-key K",
    "--secret S",
    "--customer-id C",
    "--state-change-url URL",
    "--method-name short|long",
    "--timeout-ms N",
    "10000 ms + interactions x (3 x --timeout-ms + 1000 ms)",
    "exceeded its deadline",
    "inflated up to 4194304 bytes",
    "--jobs N",
    "passed only when run alone",
    "--shard K/N",
    "--provider-version V",
    "qimen-pact report merge",
    "--junit FILE",
    "--json FILE",
    "QIMEN_APP_KEY",
    "QIMEN_SECRET",
    "QIMEN_CUSTOMER_ID",
    '{"state", "params", "action"}',
    "official Qimen Java SDK (DefaultQimenClient)",
    "byte-order mark",
    'a quoted charset ("utf-8" throws in Java)',
    "a charset other than UTF-8",
    'so " success " or success followed by a\nno-break space',
    'a trailing ";" is fine',
    "informational answers before the real one (an unsolicited 100 Continue",
    '"--" in a comment, "]]>" in text',
    "trims only XML white\nspace (space, tab, CR, LF)",
    "A 2xx whose JSON object body\n                            says it failed counts as failed",
    "\n  0  every interaction passed",
    "\n  1  an interaction failed, or the provider is unreachable",
    "\n  2  usage or configuration error",
  ];
  for (const text of DOCUMENTED) {
    it(`documents ${text.trim()}`, () => {
      expect(verifyCommand.help).to.include(text);
    });
  }
});
