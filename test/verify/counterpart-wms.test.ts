import { expect } from "chai";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { startWms, stopWms } from "../support/python-wms.js";
import { DESCRIPTIONS } from "./fixtures.js";
import { only, reasonsByInteraction, verifyUrls } from "./gate-runs.js";

/*
 * The SDK rules proven against software we did not write: test/counterparts/wms.py, a Qimen WMS
 * in plain python3 written from docs/protocol.md alone (its own signing, XML and provider states),
 * answering in the style its --style argument names.
 */

const { NEW, DELIVERED, WRONG_SIGN } = DESCRIPTIONS;
const SDK_UNREADABLE = "sdk-unreadable @ Qimen Java SDK";
const STATE_SETUP = 'state-setup @ state "an order exists"';

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
