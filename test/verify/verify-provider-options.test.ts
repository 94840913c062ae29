import { expect } from "chai";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import { verifyProvider, type VerifyProviderOptions } from "../../provider-verify/verify-provider.js";
import { OptionError } from "../../src/protocol/errors.js";

/** Nothing listens there: every case must be refused before a connection is tried. */
const PROVIDER = "http://127.0.0.1:9/qimen";
const STATES = "http://127.0.0.1:9/pact/provider-states";

describe("verifyProvider: invalid options are refused before anything is verified", () => {
  let contracts: Contract[];
  before(async () => {
    contracts = await loadContracts([COMMITTED_CONTRACT]);
  });

  const CASES: readonly {
    readonly name: string;
    readonly options: (valid: VerifyProviderOptions) => VerifyProviderOptions;
    readonly option: string;
    readonly says: RegExp;
  }[] = [
    {
      name: "a zero timeout",
      options: (valid) => ({ ...valid, timeoutMs: 0 }),
      option: "timeoutMs",
      says: /^timeoutMs must be a positive integer of milliseconds, at most 2147483647 \(Node's longest timer\), got 0$/,
    },
    {
      // Node's timers fire at once past 2^31 − 1 ms: every call would fail as timed out.
      name: "a timeout longer than Node's longest timer",
      options: (valid) => ({ ...valid, timeoutMs: 2 ** 31 }),
      option: "timeoutMs",
      says: /^timeoutMs must be .*, got 2147483648$/,
    },
    {
      name: "provider states without a state-change URL",
      options: ({ stateChangeUrl: _omitted, ...valid }) => valid,
      option: "stateChangeUrl",
      says: /^stateChangeUrl must be the provider's Pact state-change endpoint: the contracts need provider states \("an order exists", "no order exists"\), got undefined$/,
    },
    {
      name: "an empty secret",
      options: (valid) => ({ ...valid, secret: "" }),
      option: "secret",
      says: /^secret must be the provider's app secret, which the gateway signs every call with, got ""$/,
    },
    {
      name: "zero worker processes",
      options: (valid) => ({ ...valid, jobs: 0 }),
      option: "jobs",
      says: /^jobs must be a positive integer of worker processes, got 0$/,
    },
    {
      name: "a part beyond the number of parts",
      options: (valid) => ({ ...valid, part: { index: 3, count: 2 } }),
      option: "part",
      says: /^part must be part K of N, a whole N from 1 and K from 1 to N, got "3\/2"$/,
    },
    {
      name: "a provider URL with a query",
      options: (valid) => ({ ...valid, providerUrl: `${PROVIDER}?tenant=1` }),
      option: "providerUrl",
      says: /^providerUrl must be a Qimen endpoint \(.*query.*\), got "http:\/\/127\.0\.0\.1:9\/qimen\?tenant=1"$/,
    },
    {
      name: "a state-change URL that is no http(s) URL",
      options: (valid) => ({ ...valid, stateChangeUrl: "/pact/provider-states" }),
      option: "stateChangeUrl",
      says: /^stateChangeUrl must be an absolute http\(s\) URL, got "\/pact\/provider-states"$/,
    },
  ];
  for (const { name, options, option, says } of CASES) {
    it(`refuses ${name} with an OptionError naming ${option}`, async () => {
      const valid = { contracts, providerUrl: PROVIDER, stateChangeUrl: STATES, secret: "s3cret" };
      const refusal = await verifyProvider(options(valid)).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(refusal).to.be.instanceOf(OptionError).and.to.be.instanceOf(RangeError);
      expect(refusal).to.deep.include({ code: "QIMEN_OPTION_INVALID", option });
      expect(refusal).to.have.property("message").that.matches(says);
    });
  }
});
