import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";

/*
 * test/counterparts/wms.py, a Qimen WMS in plain python3 written from the protocol alone (its own
 * signing, XML and provider states), run as a process for tests that need a WMS we did not write.
 */

const WMS_PY = fileURLToPath(new URL("../counterparts/wms.py", import.meta.url));

export interface RunningWms {
  readonly qimenUrl: URL;
  readonly stateChangeUrl: URL;
  readonly child: ChildProcessByStdio<null, Readable, null>;
}

/** Starts wms.py in a style on a loopback port it chooses; resolves once it has printed the port. */
export async function startWms(style: string): Promise<RunningWms> {
  const child = spawn("python3", [WMS_PY, "--style", style], {
    env: { ...process.env, QIMEN_APP_KEY: SANDBOX_APP_KEY, QIMEN_SECRET: SANDBOX_SECRET },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await Promise.race([
    once(lines, "line"),
    once(child, "exit").then(([code]) => {
      throw new Error(`wms.py exited with ${String(code)} before printing its port`);
    }),
  ])) as [string];
  const port = /^listening on port (\d+)$/.exec(first)?.[1];
  if (port === undefined) throw new Error(`wms.py printed ${JSON.stringify(first)} instead of its port`);
  const origin = `http://127.0.0.1:${port}`;
  return { qimenUrl: new URL("/qimen", origin), stateChangeUrl: new URL("/pact/provider-states", origin), child };
}

export async function stopWms(wms: RunningWms): Promise<void> {
  if (wms.child.exitCode !== null) return;
  const exited = once(wms.child, "exit");
  wms.child.kill("SIGTERM");
  await exited;
}
