import { expect } from "chai";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { DELIVERY_MEANINGS } from "../../src/client/delivery-error.js";
import { createQimenClient, type QimenClient } from "../../src/client/qimen-client.js";
import { QimenDeliveryError } from "../../src/client/delivery-error.js";
import { ISP_HTTP_OUTCOMES, type IspHttpCode } from "../../src/protocol/model.js";
import { runCli } from "../support/fake-io.js";
import {
  qimenResponse,
  QIMEN_PATH,
  startLoopbackServer,
  type LoopbackServer,
  type Responder,
} from "../support/loopback-server.js";

/*
 * How a WMS (or the network) can fail in the middle of an answer, beyond what test/client and
 * test/cli already cover (refused, connect timeout, no answer at all, a dropped connection before
 * any byte): each must reach the ERP as the right isp.http-* meaning, from the client and from the
 * `cancel` command alike.
 */
const ANSWER = qimenResponse("success", "0", "ok");
const READ_TIMEOUT_MS = 50;

interface FaultyServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Answers the headers, promising the whole envelope, and the first part of it; then `finish(socket)`. */
function partialAnswer(finish: (socket: Socket) => void): Responder {
  return (_received, response) => {
    response.writeHead(200, { "content-type": "text/xml;charset=utf-8", "content-length": Buffer.byteLength(ANSWER) });
    response.write(ANSWER.slice(0, 20), () => {
      if (response.socket !== null) finish(response.socket);
    });
  };
}

/** A TCP server that closes each connection the moment it accepts it, before reading a byte. */
async function closingOnAccept(): Promise<FaultyServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}${QIMEN_PATH}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

interface Fault {
  readonly name: string;
  readonly start: () => Promise<FaultyServer | LoopbackServer>;
  readonly readTimeoutMs?: number;
  readonly code: string;
  readonly ispCode: IspHttpCode;
  /**
   * What the error may name besides endpoint and attempt, and says of it in its message; a reset
   * shows as either errno, depending on whether it overtakes the bytes already sent.
   */
  readonly outcomes: readonly FaultOutcome[];
}

interface FaultOutcome {
  readonly context: Readonly<Record<string, unknown>>;
  readonly said: string;
}

const errnoOutcome = (errno: string): FaultOutcome => ({ context: { errno }, said: `(${errno})` });

/** The outcome among the fault's whose context matches, so the message can be checked against it. */
function outcomeOf(fault: Fault, context: Readonly<Record<string, unknown>>): FaultOutcome {
  expect(fault.outcomes.map((outcome) => outcome.context)).to.deep.include(context);
  return fault.outcomes.find((outcome) => JSON.stringify(outcome.context) === JSON.stringify(context)) as FaultOutcome;
}

const FAULTS: readonly Fault[] = [
  {
    name: "a connection reset in the middle of the answer",
    start: () => startLoopbackServer(partialAnswer((socket) => socket.resetAndDestroy())),
    code: "QIMEN_CONNECTION_CLOSED",
    ispCode: "isp.http-closed",
    outcomes: [errnoOutcome("ECONNRESET"), errnoOutcome("UND_ERR_SOCKET")],
  },
  {
    name: "an answer that stops arriving, past the read timeout",
    start: () => startLoopbackServer(partialAnswer(() => undefined)),
    readTimeoutMs: READ_TIMEOUT_MS,
    code: "QIMEN_READ_TIMEOUT",
    ispCode: "isp.http-read-timeout",
    outcomes: [
      {
        context: { readTimeoutMs: READ_TIMEOUT_MS },
        said: `(no complete answer within ${READ_TIMEOUT_MS} ms)`,
      },
    ],
  },
  {
    name: "a server that closes before the answer it promised is complete",
    start: () => startLoopbackServer(partialAnswer((socket) => socket.end())),
    code: "QIMEN_CONNECTION_CLOSED",
    ispCode: "isp.http-closed",
    outcomes: [errnoOutcome("UND_ERR_SOCKET")],
  },
  {
    name: "a server that closes the connection as soon as it accepts it",
    start: closingOnAccept,
    code: "QIMEN_CONNECTION_CLOSED",
    ispCode: "isp.http-closed",
    outcomes: [errnoOutcome("UND_ERR_SOCKET")],
  },
];

describe("stamina: faults in the middle of a cancel", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(fault: Fault): Promise<string> {
    const server = await fault.start();
    cleanups.push(() => server.close());
    return server.endpoint;
  }

  describe("the ERP client", () => {
    function clientFor(endpoint: string, fault: Fault): QimenClient {
      const client = createQimenClient({
        endpoint,
        appKey: "erp-app-key",
        secret: "erp-secret",
        customerId: "wms-7",
        ...(fault.readTimeoutMs === undefined ? {} : { readTimeoutMs: fault.readTimeoutMs }),
      });
      cleanups.push(() => client.close());
      return client;
    }

    for (const fault of FAULTS) {
      it(`rejects ${fault.name} as ${fault.code}, ${fault.ispCode}, ${ISP_HTTP_OUTCOMES[fault.ispCode]}`, async () => {
        const endpoint = await serve(fault);
        const error: unknown = await clientFor(endpoint, fault)
          .cancelOrder({ warehouseCode: "WH01", orderCode: "SO1" })
          .then(
            () => expect.fail("expected the cancel to reject"),
            (rejection: unknown) => rejection,
          );
        expect(error).to.be.instanceOf(QimenDeliveryError);
        const { name, code, ispCode, delivery, context } = error as QimenDeliveryError;
        const { endpoint: calledAt, attempt, ...details } = context;
        expect({ name, code, ispCode, delivery, where: { endpoint: calledAt, attempt } }).to.deep.equal({
          name: "QimenDeliveryError",
          code: fault.code,
          ispCode: fault.ispCode,
          delivery: ISP_HTTP_OUTCOMES[fault.ispCode],
          where: { endpoint, attempt: 1 },
        });
        outcomeOf(fault, details);
      });
    }
  });

  describe("qimen-pact cancel --json", () => {
    for (const fault of FAULTS) {
      it(`exits 3 on ${fault.name}, reporting ${fault.code} and ${fault.ispCode}`, async () => {
        const endpoint = await serve(fault);
        const timeout = fault.readTimeoutMs === undefined ? [] : ["--read-timeout-ms", String(fault.readTimeoutMs)];
        const result = await runCli([
          "cancel",
          ...["--url", endpoint, "--app-key", "erp-app-key", "--secret", "erp-secret", "--customer-id", "wms-7"],
          ...["--warehouse-code", "WH01", "--order-code", "SO1", "--json", ...timeout],
        ]);
        const printed = JSON.parse(result.stdout) as {
          error?: { message?: unknown; context?: Record<string, unknown> };
        };
        const { message, context: { endpoint: calledAt, attempt, ...details } = {}, ...error } = printed.error ?? {};
        const where = { endpoint: calledAt, attempt };
        const delivery = ISP_HTTP_OUTCOMES[fault.ispCode];
        expect({
          exitCode: result.exitCode,
          stderr: result.stderr,
          printed: { ...printed, error: { ...error, where } },
        }).to.deep.equal({
          exitCode: 3,
          stderr: "",
          printed: {
            outcome: "error",
            error: {
              code: fault.code,
              delivery,
              ispCode: fault.ispCode,
              meaning: DELIVERY_MEANINGS[delivery],
              where: { endpoint, attempt: 1 },
            },
            warnings: [],
          },
        });
        expect(message)
          .to.be.a("string")
          .and.include(`${outcomeOf(fault, details).said}; ${fault.ispCode}`);
      });
    }
  });
});
