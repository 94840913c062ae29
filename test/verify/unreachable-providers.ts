import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { Worker } from "node:worker_threads";
import { QIMEN_PATH } from "../support/loopback-server.js";

/** A provider that fails callers in a particular way, and how to stop it. */
export interface UnreachableProvider {
  /** The endpoint to verify, `http://127.0.0.1:<port>/router/qimen/service`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

function endpointOn(port: number): string {
  return `http://127.0.0.1:${port}${QIMEN_PATH}`;
}

/**
 * A provider that dies at its first connection (the verifier's reachability check): it drops that
 * connection and stops listening, so every later connection is refused.
 */
export async function startDyingProvider(): Promise<UnreachableProvider> {
  const server = createServer((socket) => {
    socket.destroy();
    server.close();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const closed = once(server, "close");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: endpointOn(port),
    async close() {
      if (server.listening) server.close();
      await closed;
    },
  };
}

/*
 * Listens with a backlog of 1, then blocks its thread, so it never accepts: once the kernel's
 * accept queue is full, Linux drops further SYNs and a connect hangs until the caller's timeout.
 * A worker thread, because Node accepts every connection as soon as its event loop turns.
 */
const NEVER_ACCEPTING_LISTENER = `
const { parentPort, workerData } = require("node:worker_threads");
const { createServer } = require("node:net");
const server = createServer();
server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(workerData, 0, 0);
  server.close();
});
`;
/** Linux queues backlog + 1 connections before it drops SYNs. */
const ACCEPT_QUEUE_LENGTH = 2;

/**
 * A provider that never accepts a connection. `freeSlots` is how many more connections its accept
 * queue takes: with 0 every connection times out; with 1 the verifier's reachability check gets in
 * (and stays queued), then every connection times out.
 */
export async function startFullBacklogProvider(
  options: { readonly freeSlots: 0 | 1 } = { freeSlots: 0 },
): Promise<UnreachableProvider> {
  const release = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(NEVER_ACCEPTING_LISTENER, { eval: true, workerData: release });
  const exited = once(worker, "exit");
  const fillers: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    Atomics.store(release, 0, 1);
    Atomics.notify(release, 0);
    await exited;
  };
  try {
    const [port] = (await once(worker, "message")) as [number];
    for (let filled = 0; filled < ACCEPT_QUEUE_LENGTH - options.freeSlots; filled++) {
      const socket = connect(port, "127.0.0.1");
      fillers.push(socket);
      await once(socket, "connect");
    }
    return { endpoint: endpointOn(port), close };
  } catch (error) {
    await close();
    throw error;
  }
}
