import { expect } from "chai";
import { probeCatalogue } from "../../provider-verify/probe/catalogue.js";
import { runProbes } from "../../provider-verify/probe/probe-run.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { startWms, stopWms, type RunningWms } from "../support/python-wms.js";

/*
 * test/counterparts/wms.py, a WMS we did not write: it checks the md5 sign, app_key and method, and
 * nothing else (no timestamp, format, duplicate, root, DTD, size or required-field checks). The
 * probes must say exactly that.
 */
describe("probe against the independent python WMS", function () {
  this.timeout(60_000);
  let wms: RunningWms;
  before(async () => {
    wms = await startWms("plain");
  });
  after(() => stopWms(wms));

  it("passes what it checks and fails, in words, what it lacks", async () => {
    const report = await runProbes({
      probes: probeCatalogue(),
      providerUrl: wms.qimenUrl,
      stateChangeUrl: wms.stateChangeUrl,
      appKey: SANDBOX_APP_KEY,
      secret: SANDBOX_SECRET,
      customerId: "any-customer",
      timeoutMs: 10_000,
      strict: false,
    });
    const verdicts = Object.fromEntries(report.results.map((result) => [result.id, result.verdict]));
    const notPassed = Object.entries(verdicts).filter(([, verdict]) => verdict !== "passed");
    expect(notPassed).to.deep.equal([
      ["timestamp.past-11-minutes", "failed"],
      ["timestamp.future-11-minutes", "warned"],
      ["timestamp.utc-clock", "failed"],
      ["timestamp.t-separator", "failed"],
      ["timestamp.no-seconds", "failed"],
      ["timestamp.impossible-date", "failed"],
      ["timestamp.missing", "failed"],
      ["identity.other-customer-id", "warned"],
      ["identity.format-json", "failed"],
      ["identity.param-twice", "failed"],
      ["body.missing-warehouseCode", "failed"],
      ["body.wrong-root", "failed"],
      ["body.dtd-entities", "failed"],
      ["body.5mb", "failed"],
    ]);
    // It signs the body after decoding it with U+FFFD for bad bytes, so bytes that are no UTF-8 fail
    // its sign check: refused, for another reason than the charset, but refused.
    expect([verdicts["body.invalid-utf8"], verdicts["body.gbk-as-utf8"]]).to.deep.equal(["passed", "passed"]);
    const reasons = new Set(
      report.results.filter((result) => result.verdict !== "passed").map((result) => result.got?.replace(/^.*: /s, "")),
    );
    expect([...reasons]).to.deep.equal(["the WMS accepted the call"]);
  });
});
