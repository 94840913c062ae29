import { expect } from "chai";
import { once } from "node:events";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import type { CliIo } from "../../cli/command.js";
import { run } from "../../cli/main.js";
import { LISTENING_PREFIX, SHUTTING_DOWN_PREFIX, wmsCommand } from "../../cli/wms-command.js";
import { encodeCancelRequest } from "../../src/protocol/request-codec.js";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { INSECURE_WARNING, SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { runCli } from "../support/fake-io.js";
import { postQimen, postState, signedParams, toSearch, type QimenReply } from "../wms/harness.js";

/** A CliIo whose stdout can be awaited line by line, and an abort standing in for SIGINT. */
function liveIo(env: Record<string, string | undefined> = {}) {
  const controller = new AbortController();
  let stdout = "";
  let stderr = "";
  let notify = (): void => undefined;
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
      notify();
    },
    stderr: (text) => void (stderr += text),
    env,
    signal: controller.signal,
  };
  const lines = (): string[] => stdout.split("\n").slice(0, -1);
  return {
    io,
    lines,
    stderr: () => stderr,
    abort: () => controller.abort(),
    /** Resolves with the first complete stdout line matching, once it has been printed. */
    waitForLine: (predicate: (line: string) => boolean): Promise<string> =>
      new Promise((resolve) => {
        const check = (): void => {
          const line = lines().find(predicate);
          if (line !== undefined) resolve(line);
        };
        const previous = notify;
        notify = () => {
          previous();
          check();
        };
        check();
      }),
  };
}

interface Running {
  readonly qimenUrl: URL;
  readonly stateChangeUrl: URL;
  readonly live: ReturnType<typeof liveIo>;
  readonly exit: Promise<number>;
}

async function startWms(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Running> {
  const live = liveIo(env);
  const exit = run(["wms", ...args], live.io);
  const first = await Promise.race([
    live.waitForLine(() => true),
    exit.then((code) => `exited ${code}: ${live.stderr()}`),
  ]);
  expect(first.startsWith(LISTENING_PREFIX), first).to.equal(true);
  const qimenUrl = new URL(first.slice(LISTENING_PREFIX.length));
  const stateLine = await live.waitForLine((line) => line.startsWith("provider states: "));
  return { qimenUrl, stateChangeUrl: new URL(stateLine.slice("provider states: ".length)), live, exit };
}

const ORDER = { warehouseCode: "W1", orderCode: "O-1001", status: "NEW" };
const BODY = encodeCancelRequest({ warehouseCode: "W1", orderCode: "O-1001" });
/** The sandbox's real clock: the CLI has no clock to inject. */
const now = (): string => formatBeijingTimestamp(new Date());

async function cancelThrough(running: Running, appKey: string, secret: string): Promise<QimenReply> {
  await postState(running, JSON.stringify({ state: "an order exists", params: ORDER, action: "setup" }));
  return postQimen(running, toSearch(signedParams({ body: BODY, appKey, secret, timestamp: now() })), BODY);
}

async function expectRefused(url: URL): Promise<void> {
  const socket = connect(Number(url.port), url.hostname);
  const [error] = (await once(socket, "error")) as [NodeJS.ErrnoException];
  expect(error.code).to.equal("ECONNREFUSED");
}

describe("qimen-pact wms", () => {
  it("prints its URL first, logs each call, and on abort drains, closes and exits 0", async () => {
    const running = await startWms(["--port", "0", "--path", "/wms/qimen"]);
    expect(running.qimenUrl.href).to.match(/^http:\/\/127\.0\.0\.1:\d+\/wms\/qimen$/);
    expect(running.stateChangeUrl.href).to.equal(new URL("/pact/provider-states", running.qimenUrl).href);

    expect(await cancelThrough(running, SANDBOX_APP_KEY, SANDBOX_SECRET)).to.deep.equal({
      flag: "success",
      code: "0",
      message: 'order "O-1001" cancelled',
    });
    const logLine = await running.live.waitForLine((line) => line.startsWith("call=qimen"));
    expect(logLine).to.match(
      /^call=qimen method=order\.cancel orderCode=O-1001 verdict=success code=0 message="order \\"O-1001\\" cancelled" latencyMs=\d+\.\d$/,
    );

    running.live.abort();
    expect(await running.exit).to.equal(0);
    expect(running.live.lines().slice(-2)).to.deep.equal([
      `${SHUTTING_DOWN_PREFIX}draining 0 calls`,
      "qimen sandbox WMS stopped",
    ]);
    expect(running.live.stderr()).to.equal(
      `qimen-pact wms: using the TEST-ONLY default credentials (app_key ${SANDBOX_APP_KEY})\n`,
    );
    await expectRefused(running.qimenUrl);
  });

  it("on abort exits 0 at once even while a client holds a connection it never used", async function () {
    // Far below the sandbox's drain deadline: only closing the unused connection at once passes.
    this.timeout(5000);
    const running = await startWms([]);
    const unused = connect(Number(running.qimenUrl.port), "127.0.0.1");
    unused.on("error", () => undefined);
    const unusedClosed = new Promise<void>((resolve) => unused.once("close", () => resolve()));
    await once(unused, "connect");
    // A whole call on another connection: once it is answered, the sandbox has accepted the earlier one too.
    expect((await cancelThrough(running, SANDBOX_APP_KEY, SANDBOX_SECRET)).code).to.equal("0");

    running.live.abort();
    expect(await running.exit).to.equal(0);
    await unusedClosed;
  });

  it("takes credentials and customerId from the environment and never prints the secret or a sign", async () => {
    const secret = "env-secret-canary-91c2";
    const running = await startWms([], {
      QIMEN_APP_KEY: "env-app",
      QIMEN_SECRET: secret,
      QIMEN_CUSTOMER_ID: "wms-customer-1",
    });
    try {
      expect((await cancelThrough(running, "env-app", secret)).code).to.equal("0");
      expect((await cancelThrough(running, SANDBOX_APP_KEY, SANDBOX_SECRET)).code).to.equal("app-key-unknown");
      await running.live.waitForLine((line) => line.includes("code=app-key-unknown"));
    } finally {
      running.live.abort();
    }
    expect(await running.exit).to.equal(0);
    const printed = running.live.lines().join("\n") + running.live.stderr();
    expect(printed).not.to.include(secret);
    expect(printed).not.to.match(/[0-9A-F]{32}/);
  });

  it("rejects calls for another customerId when --customer-id is set", async () => {
    const running = await startWms(["--customer-id", "somebody-else"]);
    try {
      expect((await cancelThrough(running, SANDBOX_APP_KEY, SANDBOX_SECRET)).code).to.equal("customer-id-mismatch");
    } finally {
      running.live.abort();
    }
    expect(await running.exit).to.equal(0);
  });

  it("--insecure-skip-signature-check warns loudly and accepts unsigned calls", async () => {
    const running = await startWms(["--insecure-skip-signature-check"]);
    try {
      expect(running.live.stderr()).to.include(`qimen-pact wms: ${INSECURE_WARNING}\n`);
      await postState(running, JSON.stringify({ state: "an order exists", params: ORDER }));
      const unsigned = signedParams({ body: BODY, timestamp: now() }).filter(([key]) => key !== "sign");
      expect((await postQimen(running, toSearch(unsigned), BODY)).code).to.equal("0");
    } finally {
      running.live.abort();
    }
    expect(await running.exit).to.equal(0);
  });

  for (const flags of [[], ["--allow-hmac-sign-methods"]]) {
    const expected = flags.length === 0 ? "sign-method-unsupported" : "0";
    it(`answers a call signed with hmac-sha256 ${expected} ${flags.length === 0 ? "by default" : "with --allow-hmac-sign-methods"}`, async () => {
      const running = await startWms(flags);
      try {
        await postState(running, JSON.stringify({ state: "an order exists", params: ORDER }));
        const params = signedParams({
          body: BODY,
          appKey: SANDBOX_APP_KEY,
          secret: SANDBOX_SECRET,
          timestamp: now(),
          signMethod: "hmac-sha256",
        });
        expect((await postQimen(running, toSearch(params), BODY)).code).to.equal(expected);
      } finally {
        running.live.abort();
      }
      expect(await running.exit).to.equal(0);
    });
  }

  it("--timestamp-window-minutes narrows the accepted clock difference", async () => {
    const running = await startWms(["--timestamp-window-minutes", "0.5"]);
    try {
      const minuteAgo = formatBeijingTimestamp(new Date(Date.now() - 60_000));
      const search = toSearch(
        signedParams({ body: BODY, appKey: SANDBOX_APP_KEY, secret: SANDBOX_SECRET, timestamp: minuteAgo }),
      );
      expect((await postQimen(running, search, BODY)).code).to.equal("timestamp-out-of-window");
    } finally {
      running.live.abort();
    }
    expect(await running.exit).to.equal(0);
  });

  it("exits 1 naming the address when the port is taken", async () => {
    const taken = createServer();
    taken.listen(0, "127.0.0.1");
    await once(taken, "listening");
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await runCli(["wms", "--port", String(port)]);
      expect(result.exitCode).to.equal(1);
      expect(result.stderr).to.match(
        new RegExp(`^qimen-pact wms: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`, "m"),
      );
    } finally {
      taken.close();
      await once(taken, "close");
    }
  });

  const usageErrors: readonly { args: string[]; env?: Record<string, string>; message: string }[] = [
    {
      args: ["--port", "65536"],
      message: '--port must be an integer from 0 to 65535 (0 picks a free port), got "65536"',
    },
    {
      args: ["--port", "http"],
      message: '--port must be an integer from 0 to 65535 (0 picks a free port), got "http"',
    },
    {
      args: ["--timestamp-window-minutes", "0"],
      message: '--timestamp-window-minutes must be a positive number of minutes, got "0"',
    },
    {
      args: ["--timestamp-window-minutes=-5"],
      message: '--timestamp-window-minutes must be a positive number of minutes, got "-5"',
    },
    {
      // 300 digits parse to Infinity: still this flag's mistake, not the path's.
      args: ["--timestamp-window-minutes", "9".repeat(300)],
      message: `--timestamp-window-minutes must be a positive number of minutes, got "${"9".repeat(300)}"`,
    },
    { args: ["--port", "1e3"], message: '--port must be an integer from 0 to 65535 (0 picks a free port), got "1e3"' },
    { args: ["--app-key", "k"], message: "--app-key and --secret go together: missing --secret (or set QIMEN_SECRET)" },
    {
      args: [],
      env: { QIMEN_SECRET: "s" },
      message: "--app-key and --secret go together: missing --app-key (or set QIMEN_APP_KEY)",
    },
    { args: ["--customer-id", ""], message: "--customer-id must not be empty" },
    { args: ["--path", "qimen"], message: '--path: path must be a URL path: "/" first' },
    { args: ["--colour"], message: "Unknown option '--colour'" },
  ];
  for (const { args, env, message } of usageErrors) {
    it(`exits 2 for ${JSON.stringify(args)}${env === undefined ? "" : ` with ${Object.keys(env).join(", ")}`}, naming the flag`, async () => {
      const result = await runCli(["wms", ...args], env);
      expect(result.exitCode).to.equal(2);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.include(`qimen-pact wms: ${message}`);
    });
  }

  it("--help documents the flags, the environment, the states and their params", async () => {
    const result = await runCli(["wms", "--help"]);
    expect(result.stdout).to.equal(wmsCommand.help);
    for (const text of [
      "--host",
      "--port",
      "--path",
      "--app-key",
      "--secret",
      "--customer-id",
      "--timestamp-window-minutes",
      "--insecure-skip-signature-check",
      "--allow-hmac-sign-methods",
      "content-type-unsupported",
      "never starts with a byte-order mark",
      "QIMEN_APP_KEY",
      "QIMEN_SECRET",
      "QIMEN_CUSTOMER_ID",
      '"an order exists"',
      '"no order exists"',
      "NEW, ACCEPT",
      "still names its orderCode",
      "body's first 4 KiB",
      `${SHUTTING_DOWN_PREFIX}draining N calls`,
      "over 256 KiB answer xml-too-large",
      "up to 64 MiB past the limit",
      "empty value (partner_id=) is accepted signed either way",
    ]) {
      expect(result.stdout).to.include(text);
    }
  });
});
