import { expect } from "chai";
import fc from "fast-check";
import type { Contract, ContractInteraction } from "../../provider-verify/contracts.js";
import {
  interactionId,
  MARKER_HEADER,
  MARKER_PARAM,
  markedCall,
  markedStateParams,
  MAX_SHARD_SIZE,
  MIN_SHARD_SIZE,
  planShards,
  shardPact,
  type PlannedInteraction,
} from "../../provider-verify/shards.js";
import { CANCEL_IN_STATE } from "./fixtures.js";

/** A contract of `count` interactions; those at `legacy` positions use V2's `providerState`. */
function contract(path: string, count: number, legacy: readonly number[] = []): Contract {
  const interactions = Array.from({ length: count }, (_, position): ContractInteraction => {
    const state = { name: "an order exists", params: { orderCode: `${path}-${position}` } };
    return {
      contract: path,
      consumer: "erp",
      provider: "wms",
      description: `${path} #${position}`,
      states: [state],
      badSignature: false,
      source: legacy.includes(position) ? { providerState: state.name } : { providerStates: [state] },
    };
  });
  return { path, consumer: "erp", provider: "wms", interactions, source: {} };
}

/** Every interaction of the contracts, numbered in contract order as verifyProvider numbers them. */
function planned(contracts: readonly Contract[]): PlannedInteraction[] {
  return contracts
    .flatMap((c) => c.interactions.map((interaction) => ({ contract: c, interaction })))
    .map((entry, index) => ({ ...entry, index }));
}

describe("verify: splitting the interactions into shards", () => {
  const CASES: readonly {
    readonly name: string;
    readonly contracts: readonly Contract[];
    readonly jobs: number;
    readonly maxShardSize?: number;
    /** Each shard as `contract path: number of interactions`. */
    readonly shards: readonly string[];
  }[] = [
    {
      name: "keeps a small contract in one shard, one worker's worth",
      contracts: [contract("a", 7)],
      jobs: 2,
      shards: ["a: 7"],
    },
    {
      name: `shares ${2 * MIN_SHARD_SIZE + 10} interactions among 2 workers`,
      contracts: [contract("a", 2 * MIN_SHARD_SIZE + 10)],
      jobs: 2,
      shards: [`a: ${MIN_SHARD_SIZE + 5}`, `a: ${MIN_SHARD_SIZE + 5}`],
    },
    {
      name: `cuts 100 interactions into near-equal shards of at most ${MAX_SHARD_SIZE}`,
      contracts: [contract("a", 100)],
      jobs: 2,
      shards: ["a: 33", "a: 33", "a: 34"],
    },
    {
      name: "honours a smaller maximum shard size",
      contracts: [contract("a", 10)],
      jobs: 2,
      maxShardSize: 3,
      shards: ["a: 2", "a: 3", "a: 2", "a: 3"],
    },
    {
      name: "never puts two contracts in one shard",
      contracts: [contract("a", 5), contract("b", 4)],
      jobs: 1,
      shards: ["a: 5", "b: 4"],
    },
    {
      name: "runs an interaction whose V2 state cannot carry a marker alone",
      contracts: [contract("a", 6, [2])],
      jobs: 1,
      shards: ["a: 2", "a: 1", "a: 3"],
    },
  ];
  for (const { name, contracts, jobs, maxShardSize, shards } of CASES) {
    it(name, () => {
      const plan = planShards(planned(contracts), { jobs, ...(maxShardSize === undefined ? {} : { maxShardSize }) });
      expect(plan.map((shard) => `${shard.contract.path}: ${shard.entries.length}`)).to.deep.equal(shards);
    });
  }

  it("puts every interaction in exactly one shard, in contract order, never across contracts or over the maximum", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 60 }),
        (sizes, jobs, maxShardSize) => {
          const interactions = planned(sizes.map((size, n) => contract(`c${n}`, size)));
          const plan = planShards(interactions, { jobs, maxShardSize });
          expect(plan.flatMap((shard) => shard.entries.map((entry) => entry.index))).to.deep.equal(
            interactions.map((entry) => entry.index),
          );
          for (const shard of plan) {
            expect(shard.entries.length).to.be.within(1, maxShardSize);
            expect(shard.entries.every((entry) => entry.contract === shard.contract)).to.equal(true);
          }
        },
      ),
      { seed: 6, numRuns: 300 },
    );
  });

  const INVALID = [
    { options: { jobs: 0 }, says: /jobs must be a positive integer, got 0/ },
    { options: { jobs: 1.5 }, says: /jobs must be a positive integer, got 1.5/ },
    { options: { jobs: 1, maxShardSize: 0 }, says: /maxShardSize must be a positive integer, got 0/ },
  ];
  for (const { options, says } of INVALID) {
    it(`refuses ${JSON.stringify(options)} with a RangeError`, () => {
      expect(() => planShards(planned([contract("a", 1)]), options)).to.throw(RangeError, says);
    });
  }
});

describe("verify: a shard's Pact file and its markers", () => {
  const REQUEST = { method: "POST", path: "/qimen", headers: { "Content-Type": ["text/xml"] } };
  const SOURCE = {
    consumer: { name: "erp" },
    provider: { name: "wms" },
    metadata: { pactSpecification: { version: "4.0" } },
  };
  const withStates: ContractInteraction = {
    ...CANCEL_IN_STATE,
    source: {
      description: "a cancel",
      providerStates: [{ name: "an order exists", params: { orderCode: "A1" } }, { name: "stock is low" }],
      request: REQUEST,
      response: { status: 200 },
    },
  };
  const stateless: ContractInteraction = {
    ...withStates,
    description: "a stateless cancel",
    states: [],
    source: {
      description: "a stateless cancel",
      request: { method: "POST", path: "/qimen" },
      response: { status: 200 },
    },
  };
  const pactContract: Contract = {
    path: "c.json",
    consumer: "erp",
    provider: "wms",
    interactions: [withStates, stateless],
    source: { ...SOURCE, interactions: [withStates.source, stateless.source] },
  };

  it("keeps the file's participants and metadata and marks each interaction with its position", () => {
    const pact: unknown = JSON.parse(
      shardPact({
        contract: pactContract,
        entries: [
          { index: 7, contract: pactContract, interaction: withStates },
          { index: 8, contract: pactContract, interaction: stateless },
        ],
      }),
    );
    expect(pact).to.deep.equal({
      ...SOURCE,
      interactions: [
        {
          ...withStates.source,
          _id: interactionId(7),
          providerStates: [
            { name: "an order exists", params: { orderCode: "A1", [MARKER_PARAM]: 7 } },
            { name: "stock is low", params: { [MARKER_PARAM]: 7 } },
          ],
          request: { ...REQUEST, headers: { ...REQUEST.headers, [MARKER_HEADER]: "7" } },
        },
        {
          ...stateless.source,
          _id: interactionId(8),
          request: { method: "POST", path: "/qimen", headers: { [MARKER_HEADER]: "8" } },
        },
      ],
    });
  });

  const CALLS: readonly { readonly headers: Record<string, string | string[] | undefined>; readonly index?: number }[] =
    [
      { headers: { [MARKER_HEADER]: "12" }, index: 12 },
      { headers: { [MARKER_HEADER]: "0" }, index: 0 },
      { headers: {} },
      { headers: { [MARKER_HEADER]: "12a" } },
      { headers: { [MARKER_HEADER]: ["1", "2"] } },
    ];
  for (const { headers, index } of CALLS) {
    it(`reads the call headers ${JSON.stringify(headers)} as ${index ?? "no"} interaction`, () => {
      expect(markedCall(headers)).to.equal(index);
    });
  }

  const STATES: readonly { readonly params: unknown; readonly read: ReturnType<typeof markedStateParams> }[] = [
    {
      params: { orderCode: "A1", [MARKER_PARAM]: 3 },
      read: { index: 3, params: { orderCode: "A1" } },
    },
    { params: { orderCode: "A1" }, read: { index: undefined, params: { orderCode: "A1" } } },
    { params: { [MARKER_PARAM]: "3" }, read: { index: undefined, params: {} } },
    { params: undefined, read: { index: undefined, params: {} } },
  ];
  for (const { params, read } of STATES) {
    it(`reads the state params ${JSON.stringify(params)} without the marker`, () => {
      expect(markedStateParams(params)).to.deep.equal(read);
    });
  }
});
