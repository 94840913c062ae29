import { expect } from "chai";
import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { CANCELLED, failure } from "./harness.js";

const HARNESS = pathToFileURL(fileURLToPath(new URL("./harness.ts", import.meta.url))).href;

/**
 * Runs in a child process under a given TZ: a sandbox on the harness's fixed clock judges calls
 * stamped in Beijing time, and the host zone must make no difference.
 */
const PROBE = `
import { NEW_ORDER, cancelCall, startSandbox } from ${JSON.stringify(HARNESS)};
const sandbox = await startSandbox();
const replies = [];
for (const timestamp of ["2024-05-01 12:00:00", "2024-05-01 12:09:59", "2024-05-01 04:00:00", "2024-05-01 20:00:00"]) {
  sandbox.wms.store.put(NEW_ORDER);
  replies.push(await cancelCall(sandbox, { timestamp }));
}
await sandbox.wms.close();
process.stdout.write(JSON.stringify({ zone: Intl.DateTimeFormat().resolvedOptions().timeZone, replies }));
`;

async function probeUnder(tz: string): Promise<{ zone: string; replies: unknown[] }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", PROBE],
    {
      env: { ...process.env, TZ: tz },
    },
  );
  return JSON.parse(stdout) as { zone: string; replies: unknown[] };
}

describe("sandbox WMS: Beijing time whatever the host's time zone", () => {
  it("judges the same timestamps identically under TZ=UTC, Asia/Shanghai and America/Los_Angeles", async () => {
    const zones = ["UTC", "Asia/Shanghai", "America/Los_Angeles"];
    const results = await Promise.all(zones.map(probeUnder));
    expect(results.map((result) => result.zone)).to.deep.equal(zones);
    const window = "allowed: ±600 s around the WMS clock, now 2024-05-01 12:00:00 Beijing time";
    const expected = [
      CANCELLED,
      CANCELLED,
      failure("timestamp-out-of-window", `timestamp 2024-05-01 04:00:00 is 28800 s in the past; ${window}`),
      failure("timestamp-out-of-window", `timestamp 2024-05-01 20:00:00 is 28800 s in the future; ${window}`),
    ];
    expect(results.map((result) => result.replies)).to.deep.equal(zones.map(() => expected));
  });
});
