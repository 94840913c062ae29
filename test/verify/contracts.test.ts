import { expect } from "chai";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadContracts, parseContract, requiredStates } from "../../provider-verify/contracts.js";
import { isQimenError } from "../../src/protocol/errors.js";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { DESCRIPTIONS } from "./fixtures.js";

const V4_PACT = {
  consumer: { name: "erp" },
  provider: { name: "wms" },
  interactions: [
    {
      type: "Synchronous/HTTP",
      description: "a cancel",
      providerStates: [{ name: "an order exists", params: { orderCode: "A1", status: "NEW" } }],
      request: {
        method: "POST",
        path: "/qimen",
        body: { content: "<request/>", contentType: "application/xml", encoded: false },
      },
      response: {
        status: 200,
        body: {
          content: "<?xml version='1.0'?><response><flag>success</flag></response>",
          contentType: "application/xml",
          encoded: false,
        },
      },
    },
    {
      type: "Synchronous/HTTP",
      description: "a badly signed cancel",
      comments: { qimenSignature: "invalid" },
      request: { method: "POST", path: "/qimen" },
      response: {
        status: 200,
        body: {
          content: Buffer.from("<response><flag>failure</flag></response>").toString("base64"),
          encoded: "base64",
        },
      },
    },
  ],
  metadata: { pactSpecification: { version: "4.0" } },
};

const V2_PACT = {
  consumer: { name: "erp" },
  provider: { name: "wms" },
  interactions: [
    {
      description: "a legacy cancel",
      providerState: "no order exists",
      request: { method: "POST", path: "/qimen" },
      response: { status: 200, body: "<response><flag>failure</flag></response>" },
    },
  ],
};

describe("verify: reading contracts", () => {
  it("reads what the verifier needs of each V4 interaction", () => {
    const contract = parseContract("c.json", JSON.stringify(V4_PACT));
    const read = contract.interactions.map(({ source: _source, ...rest }) => rest);
    expect({ consumer: contract.consumer, provider: contract.provider, read }).to.deep.equal({
      consumer: "erp",
      provider: "wms",
      read: [
        {
          contract: "c.json",
          consumer: "erp",
          provider: "wms",
          description: "a cancel",
          states: [{ name: "an order exists", params: { orderCode: "A1", status: "NEW" } }],
          badSignature: false,
          expectedFlag: "success",
        },
        {
          contract: "c.json",
          consumer: "erp",
          provider: "wms",
          description: "a badly signed cancel",
          states: [],
          badSignature: true,
          expectedFlag: "failure",
        },
      ],
    });
  });

  it("reads a V2 interaction's single provider state and string body", () => {
    const [interaction] = parseContract("c.json", JSON.stringify(V2_PACT)).interactions;
    expect({ states: interaction?.states, expectedFlag: interaction?.expectedFlag }).to.deep.equal({
      states: [{ name: "no order exists", params: {} }],
      expectedFlag: "failure",
    });
  });

  it("marks exactly the committed contract's wrong-secret interaction as bad-signature", async () => {
    const [contract] = await loadContracts([COMMITTED_CONTRACT]);
    const marked = contract?.interactions.filter((interaction) => interaction.badSignature).map((i) => i.description);
    expect(marked).to.deep.equal([DESCRIPTIONS.WRONG_SIGN]);
  });

  it("lists the provider states the contracts need, each once", () => {
    const contracts = [
      parseContract("a.json", JSON.stringify(V4_PACT)),
      parseContract("b.json", JSON.stringify(V2_PACT)),
    ];
    expect(requiredStates(contracts)).to.deep.equal(["an order exists", "no order exists"]);
  });

  describe("from files and directories", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "qimen-pact-contracts-"));
      await mkdir(join(dir, "pacts"));
      await writeFile(join(dir, "pacts", "b.json"), JSON.stringify(V2_PACT));
      await writeFile(join(dir, "pacts", "a.json"), JSON.stringify(V4_PACT));
      await writeFile(join(dir, "pacts", "notes.txt"), "not a contract");
      await mkdir(join(dir, "empty"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("reads every *.json of a directory in name order, and files as given", async () => {
      const contracts = await loadContracts([join(dir, "pacts"), join(dir, "pacts", "b.json")]);
      expect(contracts.map((contract) => contract.path)).to.deep.equal([
        join(dir, "pacts", "a.json"),
        join(dir, "pacts", "b.json"),
        join(dir, "pacts", "b.json"),
      ]);
    });

    const UNREADABLE: readonly {
      readonly name: string;
      readonly paths: (dir: string) => string[];
      readonly message: RegExp;
    }[] = [
      { name: "no path", paths: () => [], message: /^no contract given/ },
      {
        name: "a missing file",
        paths: (d) => [join(d, "missing.json")],
        message: /^cannot read contract .*missing\.json: ENOENT$/,
      },
      {
        name: "a directory without contracts",
        paths: (d) => [join(d, "empty")],
        message: /^no \*\.json contract in directory .*empty$/,
      },
    ];
    for (const { name, paths, message } of UNREADABLE) {
      it(`rejects ${name} with QIMEN_CONTRACT_INVALID`, async () => {
        const error: unknown = await loadContracts(paths(dir)).then(
          () => undefined,
          (rejection: unknown) => rejection,
        );
        expect(isQimenError(error, "QIMEN_CONTRACT_INVALID") && error.message).to.match(message);
      });
    }
  });

  const interaction = V4_PACT.interactions[0];
  const INVALID: readonly { readonly name: string; readonly text: string; readonly message: RegExp }[] = [
    { name: "text that is no JSON", text: "{", message: /^contract c\.json is not JSON: / },
    { name: "a JSON array", text: "[]", message: /its top level is not an object/ },
    { name: "no consumer name", text: JSON.stringify({ ...V4_PACT, consumer: {} }), message: /has no consumer\.name$/ },
    {
      name: "no provider",
      text: JSON.stringify({ ...V4_PACT, provider: undefined }),
      message: /has no provider\.name$/,
    },
    { name: "no interactions", text: JSON.stringify({ ...V4_PACT, interactions: [] }), message: /has no interactions/ },
    {
      name: "a message interaction",
      text: JSON.stringify({ ...V4_PACT, interactions: [{ ...interaction, type: "Asynchronous/Messages" }] }),
      message: /interaction 1 \("a cancel"\) is a "Asynchronous\/Messages" interaction: only Synchronous\/HTTP/,
    },
    {
      name: "an interaction without description",
      text: JSON.stringify({ ...V4_PACT, interactions: [{ ...interaction, description: " " }] }),
      message: /interaction 1 has no description$/,
    },
    {
      name: "an interaction without response status",
      text: JSON.stringify({ ...V4_PACT, interactions: [{ ...interaction, response: {} }] }),
      message: /\("a cancel"\) has no response with a status$/,
    },
    {
      name: "a provider state without name",
      text: JSON.stringify({ ...V4_PACT, interactions: [{ ...interaction, providerStates: [{ params: {} }] }] }),
      message: /every provider state needs a name/,
    },
  ];
  for (const { name, text, message } of INVALID) {
    it(`rejects a contract with ${name}, naming the file and the problem`, () => {
      let error: unknown;
      try {
        parseContract("c.json", text);
      } catch (thrown) {
        error = thrown;
      }
      expect(isQimenError(error, "QIMEN_CONTRACT_INVALID") && error.message).to.match(message);
    });
  }
});
