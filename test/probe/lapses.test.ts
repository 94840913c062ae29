import { expect } from "chai";
import { probeCatalogue } from "../../provider-verify/probe/catalogue.js";
import { runProbes, type ProbeReport } from "../../provider-verify/probe/probe-run.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { CUSTOMER_ID, startLaxWms, type Lapse } from "./lax-wms.js";
import { LAPSES } from "./lapses.js";

const CATALOGUE = probeCatalogue();
const REQUIRED = CATALOGUE.filter((probe) => probe.severity === "required").map((probe) => probe.id);

async function probeLaxWms(lapse: Lapse | undefined): Promise<ProbeReport> {
  const wms = await startLaxWms(lapse);
  try {
    return await runProbes({
      probes: CATALOGUE,
      providerUrl: wms.qimenUrl,
      stateChangeUrl: wms.stateChangeUrl,
      appKey: SANDBOX_APP_KEY,
      secret: SANDBOX_SECRET,
      customerId: CUSTOMER_ID,
      timeoutMs: 10_000,
      strict: true,
    });
  } finally {
    await wms.close();
  }
}

/** What a failed probe shows: its id and the start of what it got instead. */
function failures(report: ProbeReport): { id: string; got: string }[] {
  return report.results
    .filter((result) => result.verdict !== "passed")
    .map((result) => ({ id: result.id, got: (result.got ?? "").replace(/: .*$/s, "") }));
}

describe("probe: a WMS that lacks exactly one check fails exactly that probe", function () {
  this.timeout(60_000);

  it("has a lapse for every required probe, and none for another", () => {
    expect(Object.keys(LAPSES).sort()).to.deep.equal([...REQUIRED].sort());
  });

  it("the sandbox behind the front, lacking nothing, passes every probe", async () => {
    expect(failures(await probeLaxWms(undefined))).to.deep.equal([]);
  });

  for (const id of REQUIRED) {
    it(`lacking the check of ${id}`, async () => {
      const report = await probeLaxWms(LAPSES[id]);
      const [failure] = report.results.filter((result) => result.verdict === "failed");
      const expectedGot =
        CATALOGUE.find((probe) => probe.id === id)?.expects === "readable"
          ? "an answer the official SDK cannot read"
          : /^(body\.(missing|empty|not-well-formed))/.test(id)
            ? "an answer the official SDK cannot read"
            : '<flag>success</flag>, code "0", message';
      expect({
        failures: failures(report).map((one) => one.id),
        got: failures(report)[0]?.got.slice(0, expectedGot.length),
      }).to.deep.equal({
        failures: [id],
        got: expectedGot,
      });
      expect(failure?.fix).to.be.a("string").and.not.equal("");
    });
  }
});
