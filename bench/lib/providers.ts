import { execFile } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import type { SandboxWms } from "../../src/wms/sandbox.js";

/** A sandbox WMS a benchmark verifies or replays against, over plain HTTP or TLS. */
export interface Provider {
  readonly qimenUrl: URL;
  readonly stateChangeUrl: URL;
  /** PEM of the certificate to trust, for HTTPS. */
  readonly certificate?: { readonly file: string; readonly pem: string };
  close(): Promise<void>;
}

export async function plainProvider(sandbox: SandboxWms): Promise<Provider> {
  const urls = await sandbox.listen();
  return { ...urls, close: () => sandbox.close() };
}

/** The sandbox's own request handler behind an HTTPS server with a fresh self-signed certificate, made in `scratch`. */
export async function httpsProvider(sandbox: SandboxWms, scratch: string): Promise<Provider> {
  const [keyFile, certFile] = [join(scratch, "key.pem"), join(scratch, "cert.pem")];
  await promisify(execFile)("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
    ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile],
  ]);
  const pem = await readFile(certFile, "utf8");
  const server = createHttpsServer({ key: await readFile(keyFile), cert: pem }, (request, response) =>
    sandbox.server.emit("request", request, response),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const plain = await sandbox.listen();
  return {
    qimenUrl: new URL(plain.qimenUrl.pathname, origin),
    stateChangeUrl: new URL(plain.stateChangeUrl.pathname, origin),
    certificate: { file: certFile, pem },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
      await sandbox.close();
    },
  };
}
