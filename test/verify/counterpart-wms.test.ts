import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { DESCRIPTIONS } from "./fixtures.js";
import { only, reasonsByInteraction, verifyUrls } from "./gate-runs.js";

/*
 * The SDK rules proven against software we did not write: test/counterparts/wms.py, a Qimen WMS
 * in plain python3 written from PROTOCOL.md alone (its own signing, XML and provider states),
 * answering in the style its --style argument names.
 */

const WMS_PY = fileURLToPath(new URL("../counterparts/wms.py", import.meta.url));
const { NEW, DELIVERED, WRONG_SIGN } = DESCRIPTIONS;
const SDK_UNREADABLE = "sdk-unreadable @ Qimen Java SDK";
const STATE_SETUP = 'state-setup @ state "an order exists"';

interface RunningWms {
  readonly qimenUrl: URL;
  readonly stateChangeUrl: URL;
  readonly child: ChildProcessByStdio<null, Readable, null>;
}

/** Starts wms.py in a style on a loopback port it chooses; resolves once it has printed the port. */
async function startWms(style: string): Promise<RunningWms> {
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

async function stopWms(wms: RunningWms): Promise<void> {
  if (wms.child.exitCode !== null) return;
  const exited = once(wms.child, "exit");
  wms.child.kill("SIGTERM");
  await exited;
}

const STYLES: readonly { readonly style: string; readonly expected: Readonly<Record<string, readonly string[]>> }[] = [
  { style: "plain", expected: { [NEW]: [], [DELIVERED]: [], [WRONG_SIGN]: [] } },
  { style: "trailing-semicolon", expected: { [NEW]: [], [DELIVERED]: [] } },
  { style: "dotnet", expected: { [NEW]: [], [DELIVERED]: [] } },
  { style: "bom", expected: { [NEW]: [SDK_UNREADABLE], [DELIVERED]: [SDK_UNREADABLE] } },
  { style: "quoted-charset", expected: { [NEW]: [SDK_UNREADABLE], [DELIVERED]: [SDK_UNREADABLE] } },
  { style: "spaced-flag", expected: { [NEW]: ["sdk-flag-differs @ Qimen Java SDK"], [DELIVERED]: [] } },
  { style: "state-200-failure", expected: { [NEW]: [STATE_SETUP], [DELIVERED]: [STATE_SETUP] } },
];

describe("verify: the SDK rules against an independent python3 WMS (test/counterparts/wms.py)", () => {
  let contracts: Contract[];
  before(async () => {
    contracts = await loadContracts([COMMITTED_CONTRACT]);
  });

  for (const { style, expected } of STYLES) {
    const verdicts = Object.values(expected).every((reasons) => reasons.length === 0) ? "passes" : "fails";
    it(`${verdicts} the style ${style}`, async () => {
      const wms = await startWms(style);
      try {
        const results = await verifyUrls(wms, only(contracts, Object.keys(expected)));
        expect(reasonsByInteraction(results)).to.deep.equal(expected);
      } finally {
        await stopWms(wms);
      }
    });
  }
});
