import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { decodeCancelRequest, DELIVERY_MEANINGS, verifySign, type DeliveryOutcome } from "../../src/index.js";
import { run } from "../../cli/main.js";
import { writeXmlDocument } from "../../src/protocol/xml-writer.js";
import { recordingIo, runCli, type CliOutcome } from "../support/fake-io.js";
import { everySpelling } from "../support/spellings.js";
import {
  answer,
  deadEndpoint,
  neverAnswer,
  qimenResponse,
  startLoopbackServer,
  trickle,
  type LoopbackServer,
  type ReceivedRequest,
  type Responder,
} from "../support/loopback-server.js";
import {
  httpAnswer,
  SSH_BANNER,
  startRawServer,
  startScriptedHttpServer,
  startUntrustedTlsServer,
  untrustedCertificate,
  type OddServer,
} from "../support/odd-servers.js";

const SECRET = `canary-${randomBytes(12).toString("hex")}`;
const SUCCESS = qimenResponse("success", "0", "ok");
const REFUSED = qimenResponse("failure", "-1", "订单已发货");
const GATEWAY_READ_TIMEOUT = qimenResponse("failure", "TOP15", "Remote service error | isp.http-read-timeout");

function cancelArgs(endpoint: string, ...extra: string[]): string[] {
  return [
    "cancel",
    "--url",
    endpoint,
    "--app-key",
    "erp-key",
    "--secret",
    SECRET,
    "--customer-id",
    "wms-7",
    "--warehouse-code",
    "WH01",
    "--order-code",
    "SO1",
    ...extra,
  ];
}

function queryValue(received: ReceivedRequest | undefined, key: string): string | undefined {
  return received?.query.find(([name]) => name === key)?.[1];
}

/** The one JSON object the command printed, its error message (checked apart: it is prose) left out. */
function printedJson(result: CliOutcome): { json: Record<string, unknown>; errorMessage: unknown } {
  expect(result.stdout.endsWith("\n") && !result.stdout.trimEnd().includes("\n"), "one line of JSON").to.equal(true);
  const json = JSON.parse(result.stdout) as Record<string, unknown>;
  const error = json["error"] as Record<string, unknown> | undefined;
  if (error === undefined) return { json, errorMessage: undefined };
  const { message, ...rest } = error;
  return { json: { ...json, error: rest }, errorMessage: message };
}

describe("qimen-pact cancel", () => {
  const servers: (LoopbackServer | OddServer)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function serve(responder: Responder): Promise<LoopbackServer> {
    const server = await startLoopbackServer(responder);
    servers.push(server);
    return server;
  }

  async function serveOddly(start: () => Promise<OddServer>): Promise<string> {
    const server = await start();
    servers.push(server);
    return server.endpoint;
  }

  interface Scenario {
    readonly name: string;
    readonly start: () => Promise<string>;
    readonly extra?: readonly string[];
    readonly exitCode: number;
    /** The expected JSON for an endpoint, error message excluded. */
    readonly json: (endpoint: string) => Record<string, unknown>;
    readonly errorMessage?: RegExp;
    readonly text: (endpoint: string) => { stdout: string; stderr: RegExp | string };
  }

  const gatewayErrorJson = (endpoint: string) => ({
    outcome: "error",
    error: {
      code: "QIMEN_GATEWAY_ERROR",
      delivery: "maybe-applied",
      ispCode: "isp.http-read-timeout",
      meaning: "the WMS may have applied the cancel; repeating it is safe because a repeated cancel is idempotent",
      context: {
        endpoint,
        attempt: 1,
        source: "gateway",
        gatewayCode: "TOP15",
        gatewayMessage: "Remote service error | isp.http-read-timeout",
      },
    },
    warnings: [],
  });
  const refusedConnectionJson = (endpoint: string) => ({
    outcome: "error",
    error: {
      code: "QIMEN_CONNECTION_REFUSED",
      delivery: "not-reached",
      ispCode: "isp.http-connection-refuse",
      meaning: "the cancel did not reach the WMS; sending it again is safe",
      context: { endpoint, attempt: 1, errno: "ECONNREFUSED" },
    },
    warnings: [],
  });

  const successScenario = {
    exitCode: 0,
    json: () => ({
      outcome: "success",
      response: { flag: "success", code: "0", message: "ok", source: "wms" },
      warnings: [],
    }),
    text: () => ({ stdout: 'success: the WMS cancelled order SO1 (code 0, message "ok")\n', stderr: "" }),
  };
  /** A WMS that does not complete its answer within the read timeout, however it stalls. */
  const readTimeoutScenario = (name: string, responder: Responder, readTimeoutMs: number): Scenario => ({
    name,
    start: async () => (await serve(responder)).endpoint,
    extra: ["--read-timeout-ms", String(readTimeoutMs)],
    exitCode: 3,
    json: (endpoint) => ({
      outcome: "error",
      error: {
        code: "QIMEN_READ_TIMEOUT",
        delivery: "maybe-applied",
        ispCode: "isp.http-read-timeout",
        meaning: "the WMS may have applied the cancel; repeating it is safe because a repeated cancel is idempotent",
        context: { endpoint, attempt: 1, readTimeoutMs },
      },
      warnings: [],
    }),
    errorMessage: new RegExp(`timed out waiting for the answer \\(no complete answer within ${readTimeoutMs} ms\\)`),
    text: () => ({
      stdout: "",
      stderr: /^qimen-pact cancel: QIMEN_READ_TIMEOUT: .*\ndelivery: maybe-applied, isp\.http-read-timeout\n$/,
    }),
  });

  const scenarios: Scenario[] = [
    {
      name: "flag=success",
      start: async () => (await serve(answer(SUCCESS))).endpoint,
      ...successScenario,
    },
    {
      name: "flag=failure",
      start: async () => (await serve(answer(REFUSED))).endpoint,
      exitCode: 1,
      json: () => ({
        outcome: "failure",
        response: { flag: "failure", code: "-1", message: "订单已发货", source: "wms" },
        warnings: [],
      }),
      text: () => ({
        stdout: 'failure: the WMS refused to cancel order SO1 (code -1, message "订单已发货")\n',
        stderr: "",
      }),
    },
    {
      name: "a gateway TOP15 isp.http-read-timeout",
      start: async () => (await serve(answer(GATEWAY_READ_TIMEOUT))).endpoint,
      exitCode: 3,
      json: gatewayErrorJson,
      errorMessage: /the Qimen gateway answered TOP15 Remote service error \| isp\.http-read-timeout/,
      text: () => ({
        stdout: "",
        stderr:
          /^qimen-pact cancel: QIMEN_GATEWAY_ERROR: .*TOP15.*\ndelivery: maybe-applied, isp\.http-read-timeout\n$/,
      }),
    },
    {
      name: "a refused connection",
      start: deadEndpoint,
      exitCode: 3,
      json: refusedConnectionJson,
      errorMessage: /could not open a connection \(ECONNREFUSED\)/,
      text: () => ({
        stdout: "",
        stderr:
          /^qimen-pact cancel: QIMEN_CONNECTION_REFUSED: .*\ndelivery: not-reached, isp\.http-connection-refuse\n$/,
      }),
    },
    readTimeoutScenario("a read timeout", neverAnswer, 50),
    readTimeoutScenario(
      "an answer trickling in past --read-timeout-ms, however short each gap",
      trickle(SUCCESS, 1),
      300,
    ),
    {
      name: "an answer trickling in within --read-timeout-ms",
      start: async () => (await serve(trickle(SUCCESS, 8))).endpoint,
      extra: ["--read-timeout-ms", "10000"],
      ...successScenario,
    },
    {
      // RFC 9110: a client reads on past an informational answer; undici alone drops the connection.
      name: "an unsolicited 100 Continue before the answer",
      start: () => serveOddly(() => startScriptedHttpServer(["HTTP/1.1 100 Continue\r\n\r\n", httpAnswer(SUCCESS)])),
      ...successScenario,
    },
    {
      name: "an answer that is not HTTP",
      start: () => serveOddly(() => startRawServer(SSH_BANNER)),
      exitCode: 3,
      json: (endpoint) => ({
        outcome: "error",
        error: {
          code: "QIMEN_CONNECTION_CLOSED",
          delivery: "unknown",
          ispCode: "isp.http-closed",
          meaning: "whether the WMS applied the cancel is unknown; check the order in the WMS or repeat the cancel",
          context: { endpoint, attempt: 1, errno: "HTTPParserError" },
        },
        warnings: [],
      }),
      errorMessage: /the answer was not HTTP \(HTTPParserError\)/,
      text: () => ({
        stdout: "",
        stderr: /^qimen-pact cancel: QIMEN_CONNECTION_CLOSED: .*\ndelivery: unknown, isp\.http-closed\n$/,
      }),
    },
    {
      name: "a TLS certificate nobody trusts",
      start: async () => {
        const credentials = await untrustedCertificate();
        return serveOddly(() => startUntrustedTlsServer(credentials));
      },
      exitCode: 3,
      json: (endpoint) => ({
        ...refusedConnectionJson(endpoint),
        error: {
          ...refusedConnectionJson(endpoint).error,
          context: { endpoint, attempt: 1, errno: "DEPTH_ZERO_SELF_SIGNED_CERT" },
        },
      }),
      errorMessage: /the TLS handshake failed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
      text: () => ({
        stdout: "",
        stderr:
          /^qimen-pact cancel: QIMEN_CONNECTION_REFUSED: .*\ndelivery: not-reached, isp\.http-connection-refuse\n$/,
      }),
    },
  ];

  async function runScenario(scenario: Scenario, ...mode: string[]): Promise<{ endpoint: string; result: CliOutcome }> {
    const endpoint = await scenario.start();
    const result = await runCli(cancelArgs(endpoint, ...(scenario.extra ?? []), ...mode));
    return { endpoint, result };
  }

  describe("--json", () => {
    for (const scenario of scenarios) {
      it(`exits ${scenario.exitCode} on ${scenario.name}, printing one JSON object`, async () => {
        const { endpoint, result } = await runScenario(scenario, "--json");
        const { json, errorMessage } = printedJson(result);
        expect({ exitCode: result.exitCode, stderr: result.stderr, json }).to.deep.equal({
          exitCode: scenario.exitCode,
          stderr: "",
          json: scenario.json(endpoint),
        });
        if (scenario.errorMessage === undefined) expect(errorMessage).to.equal(undefined);
        else expect(errorMessage).to.match(scenario.errorMessage);
      });
    }
  });

  describe("text output", () => {
    for (const scenario of scenarios) {
      it(`exits ${scenario.exitCode} on ${scenario.name}, saying what happened`, async () => {
        const { endpoint, result } = await runScenario(scenario);
        const { stdout, stderr } = scenario.text(endpoint);
        expect({ exitCode: result.exitCode, stdout: result.stdout }).to.deep.equal({
          exitCode: scenario.exitCode,
          stdout,
        });
        if (typeof stderr === "string") expect(result.stderr).to.equal(stderr);
        else expect(result.stderr).to.match(stderr);
      });
    }
  });

  describe("interrupted (SIGINT/SIGTERM abort the io signal)", () => {
    const interruptions: {
      name: string;
      responder: (abort: () => void) => Responder;
      before: boolean;
      delivery: string;
      sent: number;
    }[] = [
      { name: "before sending", responder: () => answer(SUCCESS), before: true, delivery: "not-reached", sent: 0 },
      {
        name: "while the WMS holds the request",
        responder: (abort) => () => abort(),
        before: false,
        delivery: "unknown",
        sent: 1,
      },
    ];
    for (const { name, responder, before, delivery, sent } of interruptions) {
      it(`exits 130 when interrupted ${name}, printing QIMEN_ABORTED with delivery ${delivery}`, async () => {
        const io = recordingIo();
        const server = await serve(responder(io.abort));
        if (before) io.abort();
        const exitCode = await run(cancelArgs(server.endpoint, "--json"), io);
        const { json } = printedJson({ exitCode, stdout: io.out(), stderr: io.err() });
        expect({ exitCode, stderr: io.err(), json, sent: server.received.length }).to.deep.equal({
          exitCode: 130,
          stderr: "",
          json: {
            outcome: "error",
            error: {
              code: "QIMEN_ABORTED",
              delivery,
              meaning: DELIVERY_MEANINGS[delivery as DeliveryOutcome],
              context: { endpoint: server.endpoint, attempt: 1 },
            },
            warnings: [],
          },
          sent,
        });
      });
    }

    it("says so in text mode too", async () => {
      const io = recordingIo();
      const server = await serve(() => io.abort());
      const exitCode = await run(cancelArgs(server.endpoint), io);
      expect({ exitCode, stdout: io.out(), stderr: io.err() }).to.deep.equal({
        exitCode: 130,
        stdout: "",
        stderr:
          `qimen-pact cancel: QIMEN_ABORTED: order.cancel to ${server.endpoint} was aborted while the request was on its way; ` +
          `unknown: ${DELIVERY_MEANINGS.unknown}\ndelivery: unknown\n`,
      });
    });
  });

  describe("text from the WMS", () => {
    // XML cannot carry ESC or most C0 controls, but it can carry CR, LF, the C1 controls (U+009B
    // is a one-character CSI to many terminals) and Unicode's direction overrides.
    it("is printed with control characters escaped, so no escape sequence reaches the terminal", async () => {
      const hostile = qimenResponse("failure", "E\u0085", "\u009b2Jshipped&#13;&#10;forged line\u202e");
      const server = await serve(answer(hostile));
      const result = await runCli(cancelArgs(server.endpoint));
      expect(result).to.deep.equal({
        exitCode: 1,
        stdout:
          "failure: the WMS refused to cancel order SO1 (code E\\u0085, " +
          'message "\\u009b2Jshipped\\u000d\\u000aforged line\\u202e")\n',
        stderr: "",
      });
    });

    it("is escaped in errors that quote the gateway", async () => {
      const server = await serve(
        answer(qimenResponse("failure", "TOP15", "Remote service error\u009b31m | isp.http-closed")),
      );
      const result = await runCli(cancelArgs(server.endpoint));
      expect(result.stderr).to.include("Remote service error\\u009b31m | isp.http-closed").and.not.include("\u009b");
    });
  });

  describe("the cancel it sends", () => {
    it("sends every given field, Chinese reason included, signed over the received bytes", async () => {
      const server = await serve(answer(SUCCESS));
      const extra = [
        "--owner-code",
        "OWNER1",
        "--order-id",
        "WMS-9",
        "--order-type",
        "CGRK",
        "--cancel-reason",
        "客户取消",
      ];
      await runCli(cancelArgs(server.endpoint, ...extra));
      const received = server.received[0] as ReceivedRequest;
      const sign = queryValue(received, "sign") ?? "";
      expect({
        request: decodeCancelRequest(received.body).request,
        method: queryValue(received, "method"),
        verified: verifySign({ params: received.query, body: received.body, secret: SECRET }, sign),
      }).to.deep.equal({
        request: {
          warehouseCode: "WH01",
          orderCode: "SO1",
          ownerCode: "OWNER1",
          orderId: "WMS-9",
          orderType: "CGRK",
          cancelReason: "客户取消",
        },
        method: "taobao.qimen.order.cancel",
        verified: true,
      });
    });

    it("calls order.cancel with --method-name short", async () => {
      const server = await serve(answer(SUCCESS));
      await runCli(cancelArgs(server.endpoint, "--method-name", "short"));
      expect(queryValue(server.received[0], "method")).to.equal("order.cancel");
    });

    it("takes app key, secret and customer id from the environment", async () => {
      const server = await serve(answer(SUCCESS));
      const env = { QIMEN_APP_KEY: "env-key", QIMEN_SECRET: SECRET, QIMEN_CUSTOMER_ID: "env-customer" };
      const argv = ["cancel", "--url", server.endpoint, "--warehouse-code", "WH01", "--order-code", "SO1"];
      const result = await runCli(argv, env);
      const received = server.received[0] as ReceivedRequest;
      expect({
        exitCode: result.exitCode,
        appKey: queryValue(received, "app_key"),
        customerId: queryValue(received, "customerId"),
        verified: verifySign(
          { params: received.query, body: received.body, secret: SECRET },
          queryValue(received, "sign") ?? "",
        ),
      }).to.deep.equal({ exitCode: 0, appKey: "env-key", customerId: "env-customer", verified: true });
    });

    it("warns on stderr about an order type outside the spec, and still sends it", async () => {
      const server = await serve(answer(SUCCESS));
      const result = await runCli(cancelArgs(server.endpoint, "--order-type", "PTRK", "--json"));
      expect({
        exitCode: result.exitCode,
        stderr: result.stderr,
        warnings: (JSON.parse(result.stdout) as { warnings: unknown }).warnings,
        sent: decodeCancelRequest(server.received[0]?.body ?? "").request.orderType,
      }).to.deep.equal({
        exitCode: 0,
        stderr:
          'qimen-pact cancel: warning: orderType "PTRK" is not one of the 19 codes of the order.cancel spec; sent as given\n',
        warnings: ['orderType "PTRK" is not one of the 19 codes of the order.cancel spec; sent as given'],
        sent: "PTRK",
      });
    });
  });

  describe("usage errors", () => {
    const without = (flag: string) => (endpoint: string) => {
      const args = cancelArgs(endpoint);
      args.splice(args.indexOf(flag), 2);
      return args;
    };
    const usageErrors: { name: string; argv: (endpoint: string) => string[]; message: RegExp }[] = [
      { name: "no --url", argv: without("--url"), message: /missing --url/ },
      { name: "no --app-key", argv: without("--app-key"), message: /missing --app-key \(or set QIMEN_APP_KEY\)/ },
      { name: "no --secret", argv: without("--secret"), message: /missing --secret \(or set QIMEN_SECRET\)/ },
      {
        name: "no --customer-id",
        argv: without("--customer-id"),
        message: /missing --customer-id \(or set QIMEN_CUSTOMER_ID\)/,
      },
      { name: "no --warehouse-code", argv: without("--warehouse-code"), message: /missing --warehouse-code/ },
      { name: "no --order-code", argv: without("--order-code"), message: /missing --order-code/ },
      {
        name: "a blank --order-code",
        argv: (endpoint) => [...cancelArgs(endpoint), "--order-code", " "],
        message: /--order-code must not be blank/,
      },
      {
        name: "an unknown --method-name",
        argv: (endpoint) => cancelArgs(endpoint, "--method-name", "medium"),
        message: /--method-name must be long or short, got "medium"/,
      },
      {
        name: "a zero --read-timeout-ms",
        argv: (endpoint) => cancelArgs(endpoint, "--read-timeout-ms", "0"),
        message: /--read-timeout-ms must be a positive whole number of milliseconds, got "0"/,
      },
      {
        name: "a --connect-timeout-ms that is no number",
        argv: (endpoint) => cancelArgs(endpoint, "--connect-timeout-ms", "5s"),
        message: /--connect-timeout-ms must be a positive whole number of milliseconds, got "5s"/,
      },
      {
        name: "a --url with a query",
        argv: (endpoint) => cancelArgs(`${endpoint}?app_key=x`),
        message: /--url: endpoint must not carry a query string/,
      },
      {
        name: "an unknown flag",
        argv: (endpoint) => cancelArgs(endpoint, "--bogus"),
        message: /Unknown option '--bogus'/,
      },
    ];
    for (const { name, argv, message } of usageErrors) {
      it(`exits 2 on ${name}, naming the flag and sending nothing`, async () => {
        const server = await serve(answer(SUCCESS));
        const result = await runCli(argv(server.endpoint));
        expect({ exitCode: result.exitCode, stdout: result.stdout, sent: server.received.length }).to.deep.equal({
          exitCode: 2,
          stdout: "",
          sent: 0,
        });
        expect(result.stderr).to.match(message).and.to.include("qimen-pact cancel --help");
      });
    }
  });

  describe("the secret", () => {
    for (const scenario of scenarios) {
      for (const mode of [[], ["--json"]]) {
        it(`is never printed on ${scenario.name}${mode.length === 0 ? "" : " with --json"}`, async () => {
          const { result } = await runScenario(scenario, ...mode);
          expect(result.stdout + result.stderr).not.to.include(SECRET);
        });
      }
    }
  });

  describe("a secret or sign the WMS echoes", () => {
    const secret = `Canary&<${randomBytes(8).toString("hex")}> +/"'`;
    const signOf = (received: ReceivedRequest): string => queryValue(received, "sign") ?? "";
    const inXml = (flag: string, code: string, message: string): string =>
      writeXmlDocument("response", { flag, code, message });
    /** `inText`: whether the text output shows the echo at all (an HTTP 500's body is in --json's context only). */
    const echoes: { name: string; exitCode: number; inText: boolean; responder: Responder }[] = [
      {
        name: "in a refusal's message, in every spelling",
        exitCode: 1,
        inText: true,
        responder: (received, response) =>
          answer(inXml("failure", "-1", everySpelling([secret, signOf(received)]).join(" ")))(received, response, 0),
      },
      {
        name: "in the body of an HTTP 500",
        exitCode: 3,
        inText: false,
        responder: (received, response) =>
          answer(`${secret.toUpperCase()} ${signOf(received).toLowerCase()}`, 500, "text/plain")(received, response, 0),
      },
      {
        name: "in a gateway error's message, in every spelling",
        exitCode: 3,
        inText: true,
        responder: (received, response) =>
          answer(inXml("failure", "TOP15", `isp.http-closed ${everySpelling([secret, signOf(received)]).join(" ")}`))(
            received,
            response,
            0,
          ),
      },
    ];
    for (const { name, exitCode, inText, responder } of echoes) {
      for (const mode of [[], ["--json"]]) {
        it(`is masked ${name}${mode.length === 0 ? "" : " with --json"}`, async () => {
          const server = await serve(responder);
          const result = await runCli(cancelArgs(server.endpoint, "--secret", secret, ...mode));
          const shown = result.stdout + result.stderr;
          const sign = signOf(server.received[0] as ReceivedRequest);
          expect({
            exitCode: result.exitCode,
            masked: shown.includes("<redacted>"),
            leaked: everySpelling([secret, sign]).filter((spelling) => shown.includes(spelling)),
          }).to.deep.equal({ exitCode, masked: inText || mode.length > 0, leaked: [] });
        });
      }
    }

    const SHORT_SECRET_WARNING =
      "the secret is only 1 character long, so it cannot be told apart from text: " +
      "it is masked only where it stands alone, and may show inside words the WMS sends";

    it("is masked only where it stands alone when the secret is one character, with a warning", async () => {
      const server = await serve(answer(inXml("failure", "-1", "kept k")));
      const result = await runCli(cancelArgs(server.endpoint, "--secret", "k"));
      expect(result).to.deep.equal({
        exitCode: 1,
        stdout: 'failure: the WMS refused to cancel order SO1 (code -1, message "kept <redacted>")\n',
        stderr: `qimen-pact cancel: warning: ${SHORT_SECRET_WARNING}\n`,
      });
    });

    it("is masked only where it stands alone when the secret is one character, with a warning, with --json", async () => {
      const server = await serve(answer(inXml("failure", "-1", "kept k")));
      const result = await runCli(cancelArgs(server.endpoint, "--secret", "k", "--json"));
      expect({ ...result, stdout: JSON.parse(result.stdout) as unknown }).to.deep.equal({
        exitCode: 1,
        stdout: {
          outcome: "failure",
          response: { flag: "failure", code: "-1", message: "kept <redacted>", source: "wms" },
          warnings: [SHORT_SECRET_WARNING],
        },
        stderr: `qimen-pact cancel: warning: ${SHORT_SECRET_WARNING}\n`,
      });
    });
  });

  it("documents every flag, the exit codes and the JSON shape in --help", async () => {
    const result = await runCli(["cancel", "--help"]);
    const expectedMentions = [
      ...["--url", "--app-key", "--secret", "--customer-id", "--warehouse-code", "--order-code", "--owner-code"],
      ...["--order-id", "--order-type", "--cancel-reason", "--method-name", "--json", "QIMEN_APP_KEY", "QIMEN_SECRET"],
      ...["QIMEN_CUSTOMER_ID", "flag=success", "flag=failure", "not-reached", "maybe-applied", "isp.http-*"],
      ...["130 interrupted", "QIMEN_ABORTED", "TLS handshake"],
    ];
    expect(result.exitCode).to.equal(0);
    for (const mention of expectedMentions) expect(result.stdout).to.include(mention);
  });
});
