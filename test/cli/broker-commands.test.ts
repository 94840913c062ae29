import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { brokerCommands, type BrokerReach } from "../../cli/broker-commands.js";
import { run } from "../../cli/main.js";
import type { PactCliRunner } from "../../cli/pact-cli.js";
import { startFakeBroker, type FakeBroker } from "../support/fake-broker.js";
import { recordingIo } from "../support/fake-io.js";
import { deadEndpoint } from "../support/loopback-server.js";
import { probeTcp } from "../../provider-verify/transport.js";

const BROKER = "https://broker.example.com";
const TOKEN = "t0ken-0f-the-erp-team";

interface Call {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** A runner that records what the official CLI would have been given, prints `said`, and exits `exitCode`. */
function recordingRunner(exitCode = 0, said = ""): { runner: PactCliRunner; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    runner: (argv, env, output) => {
      calls.push({ argv, env });
      if (said !== "") output.stdout(said);
      return Promise.resolve(exitCode);
    },
  };
}

/** A broker that is always there: these tests never open a connection. */
const REACHABLE: BrokerReach = () => Promise.resolve(undefined);

async function runWith(
  runner: PactCliRunner,
  argv: readonly string[],
  env: Record<string, string> = {},
  reach: BrokerReach = REACHABLE,
) {
  const io = recordingIo(env);
  const exitCode = await run(argv, io, brokerCommands(runner, reach));
  return { exitCode, stdout: io.out(), stderr: io.err() };
}

/** The environment entries the broker commands set or pass on for the official CLI. */
function brokerEnv(env: Readonly<Record<string, string>>): Record<string, string | undefined> {
  const names = ["PACT_BROKER_BASE_URL", "PACT_BROKER_TOKEN", "PACT_BROKER_USERNAME", "PACT_BROKER_PASSWORD"];
  return Object.fromEntries(
    [...names, "PACT_DO_NOT_TRACK"].filter((name) => env[name] !== undefined).map((name) => [name, env[name]]),
  );
}

describe("broker commands over Pact's official CLI: the argv and environment they build", () => {
  const CASES: readonly {
    readonly args: readonly string[];
    readonly env?: Record<string, string>;
    readonly argv: readonly string[];
  }[] = [
    {
      args: ["publish", "--consumer-app-version", "abc123", "--branch", "main", "--broker-url", BROKER],
      argv: ["broker", "publish", COMMITTED_CONTRACT, "--consumer-app-version", "abc123", "--branch", "main"],
    },
    {
      args: ["publish", COMMITTED_CONTRACT, "--consumer-app-version", "1.0.0", "--branch", "feat/x"],
      env: { PACT_BROKER_BASE_URL: BROKER },
      argv: ["broker", "publish", COMMITTED_CONTRACT, "--consumer-app-version", "1.0.0", "--branch", "feat/x"],
    },
    {
      args: [
        "can-i-deploy",
        ...["--pacticipant", "qimen-wms", "--version", "9f8e", "--to-environment", "production"],
        ...["--retry-while-unknown", "30", "--retry-interval", "10", "--broker-url", BROKER],
      ],
      argv: [
        "broker",
        "can-i-deploy",
        ...["--pacticipant", "qimen-wms", "--version", "9f8e", "--to-environment", "production"],
        ...["--retry-while-unknown", "30", "--retry-interval", "10"],
      ],
    },
    {
      args: ["can-i-deploy", "--pacticipant", "qimen-erp", "--version", "1", "--to-environment", "test"],
      env: { PACT_BROKER_BASE_URL: BROKER },
      argv: ["broker", "can-i-deploy", "--pacticipant", "qimen-erp", "--version", "1", "--to-environment", "test"],
    },
    {
      args: ["record-deployment", "--pacticipant", "qimen-wms", "--version", "9f8e", "--environment", "production"],
      env: { PACT_BROKER_BASE_URL: BROKER },
      argv: [
        "broker",
        "record-deployment",
        ...["--pacticipant", "qimen-wms", "--version", "9f8e", "--environment", "production"],
      ],
    },
    {
      // --to-environment, as can-i-deploy spells it, names the same environment.
      args: ["record-deployment", "--pacticipant", "qimen-erp", "--version", "7", "--to-environment", "production"],
      env: { PACT_BROKER_BASE_URL: BROKER },
      argv: [
        "broker",
        "record-deployment",
        "--pacticipant",
        "qimen-erp",
        "--version",
        "7",
        "--environment",
        "production",
      ],
    },
    {
      args: ["record-release", "--pacticipant", "qimen-wms", "--version", "2.1", "--environment", "on-prem"],
      env: { PACT_BROKER_BASE_URL: BROKER },
      argv: ["broker", "record-release", "--pacticipant", "qimen-wms", "--version", "2.1", "--environment", "on-prem"],
    },
  ];
  for (const { args, env = {}, argv } of CASES) {
    it(`${args.join(" ")}`, async () => {
      const { runner, calls } = recordingRunner();
      const result = await runWith(runner, args, { ...env, PACT_BROKER_TOKEN: TOKEN });
      expect(result).to.deep.equal({ exitCode: 0, stdout: "", stderr: "" });
      expect(calls.map((call) => ({ argv: call.argv, env: brokerEnv(call.env) }))).to.deep.equal([
        {
          argv,
          // The credentials go in the environment, never on the command line (ps shows it).
          env: { PACT_BROKER_BASE_URL: BROKER, PACT_BROKER_TOKEN: TOKEN, PACT_DO_NOT_TRACK: "true" },
        },
      ]);
    });
  }

  it("passes basic-authentication credentials in the environment too", async () => {
    const { runner, calls } = recordingRunner();
    const env = { PACT_BROKER_BASE_URL: BROKER, PACT_BROKER_USERNAME: "ci", PACT_BROKER_PASSWORD: "pw-s3cret" };
    await runWith(runner, ["record-deployment", "--pacticipant", "a", "--version", "1", "--environment", "e"], env);
    expect(brokerEnv(calls[0]?.env ?? {})).to.deep.equal({ ...env, PACT_DO_NOT_TRACK: "true" });
    expect(calls[0]?.argv.join(" ")).not.to.include("pw-s3cret");
  });

  const EXITS: readonly (readonly [number, number])[] = [
    [0, 0],
    [1, 1],
    [2, 2],
    [101, 1],
  ];
  for (const [cli, ours] of EXITS) {
    it(`maps the official CLI's exit ${cli} to ${ours}`, async () => {
      const { runner } = recordingRunner(cli);
      const result = await runWith(runner, [
        "can-i-deploy",
        ...["--pacticipant", "qimen-wms", "--version", "1", "--to-environment", "production", "--broker-url", BROKER],
      ]);
      expect(result.exitCode).to.equal(ours);
    });
  }

  it("says a refused credential as verify does: exit 2, naming the credential sent", async () => {
    const { runner } = recordingRunner(1, "❌ Request to pact broker path '/…' failed: 401 Unauthorized\n");
    const result = await runWith(
      runner,
      ["can-i-deploy", "--pacticipant", "a", "--version", "1", "--to-environment", "p", "--broker-url", BROKER],
      { PACT_BROKER_TOKEN: TOKEN },
    );
    expect(result).to.deep.equal({
      exitCode: 2,
      stdout: "❌ Request to pact broker path '/…' failed: 401 Unauthorized\n",
      stderr:
        "qimen-pact: the Pact Broker refused the credentials (HTTP 401): PACT_BROKER_TOKEN was sent as a bearer token\n",
    });
  });

  it("a broker that cannot be reached: one line at once, exit 1, the official CLI never run", async () => {
    const { runner, calls } = recordingRunner();
    const dead = await deadEndpoint();
    const result = await runWith(
      runner,
      ["record-deployment", "--pacticipant", "a", "--version", "1", "--environment", "e", "--broker-url", dead],
      {},
      (url) => probeTcp(url, 2_000),
    );
    expect({ exitCode: result.exitCode, stdout: result.stdout, calls }).to.deep.equal({
      exitCode: 1,
      stdout: "",
      calls: [],
    });
    expect(result.stderr).to.match(
      /^qimen-pact: the Pact Broker http:\/\/127\.0\.0\.1:\d+ cannot be reached: .*ECONNREFUSED.*\n$/,
    );
  });

  it("masks the credentials in the official CLI's output it passes through, in every spelling", async () => {
    const basic = Buffer.from("ci:pw-s3cret").toString("base64");
    const { runner } = recordingRunner(1, `curl -H 'Authorization: Basic ${basic}' … password pw-s3cret\n`);
    const result = await runWith(
      runner,
      ["record-release", "--pacticipant", "a", "--version", "1", "--environment", "e", "--broker-url", BROKER],
      { PACT_BROKER_USERNAME: "ci", PACT_BROKER_PASSWORD: "pw-s3cret" },
    );
    expect(result.stdout).to.equal("curl -H 'Authorization: Basic <redacted>' … password <redacted>\n");
  });
});

describe("broker commands: usage errors exit 2 and never run the official CLI", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-broker-commands-"));
    const rest = { consumer: { name: "a" }, provider: { name: "b" } };
    const interaction = { description: "get an order", request: { method: "GET", path: "/orders/1" } };
    await writeFile(
      join(dir, "rest.json"),
      JSON.stringify({ ...rest, interactions: [{ ...interaction, response: { status: 200 } }] }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const USAGE: readonly { readonly args: () => readonly string[]; readonly says: string }[] = [
    { args: () => ["publish", "--branch", "main", "--broker-url", BROKER], says: "missing --consumer-app-version" },
    { args: () => ["publish", "--consumer-app-version", "1", "--broker-url", BROKER], says: "missing --branch" },
    {
      args: () => ["publish", "--consumer-app-version", "1", "--branch", "main"],
      says: "missing --broker-url (or set PACT_BROKER_BASE_URL)",
    },
    {
      args: () => [
        "publish",
        join(dir, "rest.json"),
        "--consumer-app-version",
        "1",
        "--branch",
        "m",
        "--broker-url",
        BROKER,
      ],
      says: `contract {dir}/rest.json, interaction 1 ("get an order") is not a Qimen order.cancel call: its request is GET, but the gateway delivers a POST`,
    },
    {
      args: () => ["can-i-deploy", "--pacticipant", "a", "--version", "1", "--broker-url", BROKER],
      says: "missing --to-environment",
    },
    {
      args: () => [
        "can-i-deploy",
        "--pacticipant",
        "a",
        "--version",
        "1",
        "--to-environment",
        "p",
        "--retry-interval",
        "5",
      ],
      says: "--retry-interval needs --retry-while-unknown",
    },
    {
      args: () => [
        "can-i-deploy",
        ...["--pacticipant", "a", "--version", "1", "--to-environment", "p", "--retry-while-unknown", "many"],
      ],
      says: '--retry-while-unknown must be a whole number of retries, got "many"',
    },
    {
      args: () => ["record-deployment", "--pacticipant", "a", "--version", "1", "--broker-url", BROKER],
      says: "missing --environment",
    },
    {
      args: () => [
        "record-deployment",
        ...["--pacticipant", "a", "--version", "1", "--environment", "e", "--to-environment", "f"],
      ],
      says: "give --environment or --to-environment, not both: they name the same environment",
    },
    {
      args: () => [
        "record-deployment",
        ...["--pacticipant", "a", "--version", "1", "--environment", "e"],
        ...["--broker-url", "http://ci:pw-s3cret@broker.example.com"],
      ],
      says: "--broker-url must not carry credentials: set PACT_BROKER_USERNAME and PACT_BROKER_PASSWORD, or PACT_BROKER_TOKEN",
    },
    {
      args: () => [
        "record-release",
        "--pacticipant",
        "a",
        "--version",
        "1",
        "--environment",
        "e",
        "--broker-url",
        "broker",
      ],
      says: '--broker-url must be an absolute http(s) URL, got "broker"',
    },
  ];
  for (const { args, says } of USAGE) {
    it(says, async () => {
      const { runner, calls } = recordingRunner();
      const result = await runWith(runner, args());
      expect(result.exitCode).to.equal(2);
      expect(result.stderr.split("\n")[0]).to.equal(`qimen-pact ${args()[0]}: ${says.replace("{dir}", dir)}`);
      expect(calls).to.deep.equal([]);
    });
  }

  it("a CLI that cannot be started: exit 2 with the reason", async () => {
    const result = await runWith(
      () => Promise.reject(new Error("spawn ENOENT")),
      ["record-deployment", "--pacticipant", "a", "--version", "1", "--environment", "e", "--broker-url", BROKER],
    );
    expect(result).to.deep.equal({
      exitCode: 2,
      stdout: "",
      stderr: "qimen-pact: cannot run Pact's official CLI (@pact-foundation/pact-cli): Error: spawn ENOENT\n",
    });
  });
});

describe("broker commands: --help", () => {
  for (const command of brokerCommands()) {
    it(`${command.name} --help names every option and the exit codes`, async () => {
      const result = await runWith(recordingRunner().runner, [command.name, "--help"]);
      expect(result.exitCode).to.equal(0);
      expect(result.stdout).to.equal(command.help);
      expect(result.stdout).to.match(new RegExp(`^Usage: qimen-pact ${command.name} `));
      expect(result.stdout).to.include("--broker-url URL").and.include("PACT_BROKER_TOKEN").and.include("Exit codes:");
    });
  }
});

describe("publish through Pact's real official CLI, against the recorded fake broker", () => {
  let broker: FakeBroker;
  before(async () => {
    broker = await startFakeBroker({ authorization: `Bearer ${TOKEN}` });
  });
  after(async () => {
    await broker.close();
  });

  it("POSTs the shipped contract to pb:publish-contracts with the version, the branch and the token", async () => {
    const io = recordingIo({ PATH: process.env["PATH"] ?? "", PACT_BROKER_TOKEN: TOKEN });
    const exitCode = await run(
      ["publish", "--consumer-app-version", "1.0.0", "--branch", "main", "--broker-url", broker.url],
      io,
    );

    expect({ exitCode, stderr: io.err() }).to.deep.equal({ exitCode: 0, stderr: "" });
    expect(broker.requests.map(({ method, path, headers }) => [method, path, headers.authorization])).to.deep.equal([
      ["GET", "/", `Bearer ${TOKEN}`],
      ["POST", "/contracts/publish", `Bearer ${TOKEN}`],
    ]);
    const body = broker.requests[1]?.json as { contracts: { content: string }[] } & Record<string, unknown>;
    expect({ ...body, contracts: body.contracts.map(({ content: _content, ...rest }) => rest) }).to.deep.include({
      pacticipantName: "qimen-erp",
      pacticipantVersionNumber: "1.0.0",
      branch: "main",
      contracts: [
        {
          consumerName: "qimen-erp",
          providerName: "qimen-wms",
          specification: "pact",
          contentType: "application/json",
          onConflict: "overwrite",
        },
      ],
    });
    // The CLI re-serialises the pact with its own models' version in the metadata; all else is the file's.
    type Pact = { metadata: { pactRust: Record<string, unknown> } } & Record<string, unknown>;
    const sent = JSON.parse(Buffer.from(body.contracts[0]?.content ?? "", "base64").toString("utf8")) as Pact;
    const committed = JSON.parse(await readFile(COMMITTED_CONTRACT, "utf8")) as Pact;
    const withoutModels = (pact: Pact): unknown => ({
      ...pact,
      metadata: { ...pact.metadata, pactRust: { ...pact.metadata.pactRust, models: "?" } },
    });
    expect(withoutModels(sent)).to.deep.equal(withoutModels(committed));
    expect(io.out()).to.include("Pact published successfully for consumer: qimen-erp against provider: qimen-wms");
    expect(io.out()).not.to.include(TOKEN);
  });
});
