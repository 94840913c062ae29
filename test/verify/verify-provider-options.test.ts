import { expect } from "chai";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import { verifyProvider, type VerifyProviderOptions } from "../../provider-verify/verify-provider.js";

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
    readonly error: RangeErrorConstructor | TypeErrorConstructor;
    readonly says: RegExp;
  }[] = [
    {
      name: "a zero timeout",
      options: (valid) => ({ ...valid, timeoutMs: 0 }),
      error: RangeError,
      says: /^timeoutMs must be a positive integer of milliseconds, at most 2147483647 \(Node's longest timer\), got 0$/,
    },
    {
      // Node's timers fire at once past 2^31 − 1 ms: every call would fail as timed out.
      name: "a timeout longer than Node's longest timer",
      options: (valid) => ({ ...valid, timeoutMs: 2 ** 31 }),
      error: RangeError,
      says: /^timeoutMs must be .*, got 2147483648$/,
    },
    {
      name: "provider states without a state-change URL",
      options: ({ stateChangeUrl: _omitted, ...valid }) => valid,
      error: TypeError,
      says: /^the contracts need provider states \("an order exists", "no order exists"\): pass stateChangeUrl, the provider's Pact state-change endpoint$/,
    },
  ];
  for (const { name, options, error, says } of CASES) {
    it(`refuses ${name} with a ${error.name}`, async () => {
      const valid = { contracts, providerUrl: PROVIDER, stateChangeUrl: STATES, secret: "s3cret" };
      const refusal = await verifyProvider(options(valid)).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(refusal).to.be.instanceOf(error).with.property("message").that.matches(says);
    });
  }
});
