import { expect } from "chai";
import { request } from "undici";
import { PROVIDER_STATES } from "../../src/wms/provider-states.js";
import { cancelCall, NEW_ORDER, postState, setState, startSandbox, type RunningSandbox } from "./harness.js";

const ORDER_PARAMS = { warehouseCode: "W1", orderCode: "O-1001", status: "NEW" } as const;
const OTHER_ORDER = { warehouseCode: "W1", orderCode: "O-2002", status: "DELIVERED" } as const;

describe("sandbox WMS: Pact provider states", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.wms.close());

  describe('"an order exists"', () => {
    it("setup stores the document, every param kept, and answers it as JSON", async () => {
      const params = { ...ORDER_PARAMS, ownerCode: "H1", orderType: "CGRK", orderId: "WQ1", status: "ACCEPT" };
      expect(await setState(sandbox, "an order exists", params)).to.deep.equal({ status: 200, body: params });
      expect(sandbox.wms.store.list()).to.deep.equal([params]);
    });

    it("a later cancel acts on the state that was set up", async () => {
      await setState(sandbox, "an order exists", { ...ORDER_PARAMS, status: "DELIVERED" });
      expect((await cancelCall(sandbox)).code).to.equal("order-shipped");
    });

    it("setup replaces that order's earlier state and leaves every other order alone (no store reset)", async () => {
      await setState(sandbox, "an order exists", OTHER_ORDER);
      await setState(sandbox, "an order exists", ORDER_PARAMS);
      await setState(sandbox, "an order exists", { ...ORDER_PARAMS, status: "CANCELED" });
      expect(sandbox.wms.store.list()).to.deep.equal([{ ...ORDER_PARAMS, status: "CANCELED" }, OTHER_ORDER]);
    });

    const ownerChanges: readonly { earlier: string | undefined; later: string | undefined }[] = [
      { earlier: "H1", later: undefined },
      { earlier: undefined, later: "H2" },
      { earlier: "H1", later: "H2" },
    ];
    for (const { earlier, later } of ownerChanges) {
      it(`setup replaces the code's document in that warehouse whatever its owner (${earlier ?? "none"} → ${later ?? "none"})`, async () => {
        const withOwner = (ownerCode: string | undefined) => (ownerCode === undefined ? {} : { ownerCode });
        const otherWarehouse = { ...ORDER_PARAMS, warehouseCode: "W2" };
        await setState(sandbox, "an order exists", { ...ORDER_PARAMS, ...withOwner(earlier) });
        await setState(sandbox, "an order exists", otherWarehouse);
        const shipped = { ...ORDER_PARAMS, ...withOwner(later), status: "DELIVERED" };
        await setState(sandbox, "an order exists", shipped);
        expect(sandbox.wms.store.list()).to.deep.equal([shipped, otherWarehouse]);
        expect((await cancelCall(sandbox)).code).to.equal("order-shipped");
      });
    }

    it("teardown removes exactly that order", async () => {
      await setState(sandbox, "an order exists", OTHER_ORDER);
      await setState(sandbox, "an order exists", ORDER_PARAMS);
      expect(await setState(sandbox, "an order exists", ORDER_PARAMS, "teardown")).to.deep.equal({
        status: 200,
        body: { removed: 1 },
      });
      expect(sandbox.wms.store.list()).to.deep.equal([OTHER_ORDER]);
    });

    it('a body without "action" is a setup (older verifiers send none)', async () => {
      const reply = await postState(sandbox, JSON.stringify({ state: "an order exists", params: ORDER_PARAMS }));
      expect(reply).to.deep.equal({ status: 200, body: ORDER_PARAMS });
      expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
    });

    it("ignores params it does not know (a real WMS may need more) and logs them", async () => {
      expect(await setState(sandbox, "an order exists", { ...ORDER_PARAMS, skuCode: "SKU1" })).to.deep.equal({
        status: 200,
        body: ORDER_PARAMS,
      });
      expect(sandbox.logLines.at(-1)).to.match(
        /^call=state action=setup state="an order exists" orderCode=O-1001 status=200 ignoredParams=skuCode latencyMs=/,
      );
    });
  });

  describe('"no order exists"', () => {
    it("removes the order in every warehouse, so a cancel finds nothing", async () => {
      await setState(sandbox, "an order exists", ORDER_PARAMS);
      await setState(sandbox, "an order exists", { ...ORDER_PARAMS, warehouseCode: "W2" });
      await setState(sandbox, "an order exists", OTHER_ORDER);
      expect(await setState(sandbox, "no order exists", { orderCode: "O-1001" })).to.deep.equal({
        status: 200,
        body: { removed: 2 },
      });
      expect(sandbox.wms.store.list()).to.deep.equal([OTHER_ORDER]);
      expect((await cancelCall(sandbox)).code).to.equal("order-not-found");
    });

    it("with warehouseCode, removes it from that warehouse only", async () => {
      await setState(sandbox, "an order exists", ORDER_PARAMS);
      await setState(sandbox, "an order exists", { ...ORDER_PARAMS, warehouseCode: "W2" });
      await setState(sandbox, "no order exists", { orderCode: "O-1001", warehouseCode: "W2" });
      expect(sandbox.wms.store.list()).to.deep.equal([ORDER_PARAMS]);
    });

    it("teardown changes nothing", async () => {
      await setState(sandbox, "an order exists", ORDER_PARAMS);
      expect(await setState(sandbox, "no order exists", { orderCode: "O-1001" }, "teardown")).to.deep.equal({
        status: 200,
        body: { removed: 0 },
      });
      expect(sandbox.wms.store.list()).to.deep.equal([ORDER_PARAMS]);
    });
  });

  it("an unknown state answers 400 listing the known states, and changes nothing", async () => {
    await setState(sandbox, "an order exists", ORDER_PARAMS);
    expect(await setState(sandbox, "an order is shipped", ORDER_PARAMS)).to.deep.equal({
      status: 400,
      body: {
        error: 'unknown provider state "an order is shipped": known states are "an order exists", "no order exists"',
        knownStates: JSON.parse(JSON.stringify(PROVIDER_STATES)) as unknown,
      },
    });
    expect(sandbox.wms.store.list()).to.deep.equal([ORDER_PARAMS]);
  });

  const orderExistsParams = PROVIDER_STATES.find((state) => state.name === "an order exists")?.params;
  const badChanges: readonly { name: string; body: unknown; error: string; params?: unknown }[] = [
    {
      name: "a missing required param",
      body: { state: "an order exists", params: { warehouseCode: "W1", status: "NEW" } },
      error: `state "an order exists": param "orderCode" is required (the ERP's document code)`,
      params: orderExistsParams,
    },
    {
      name: "an unknown status",
      body: { state: "an order exists", params: { ...ORDER_PARAMS, status: "SHIPPED" } },
      error:
        'state "an order exists": param "status" must be one of NEW, ACCEPT, PRINT, PICK, CHECK, PACKAGE, WEIGHT, READY, CANCELED, PARTDELIVERED, DELIVERED, PARTFULFILLED, FULFILLED, CLOSED, got "SHIPPED"',
      params: orderExistsParams,
    },
    {
      name: "a param that is not a string",
      body: { state: "an order exists", params: { ...ORDER_PARAMS, orderCode: 1001 } },
      error: 'state "an order exists": param "orderCode" must be a non-empty string, got 1001',
      params: orderExistsParams,
    },
    {
      name: "params that are not an object",
      body: { state: "an order exists", params: ["W1", "O-1001"] },
      error: 'state "an order exists": "params" must be a JSON object',
      params: orderExistsParams,
    },
    {
      name: "an unknown action",
      body: { state: "an order exists", params: ORDER_PARAMS, action: "reset" },
      error: '"action" must be setup or teardown, got "reset"',
    },
    { name: "a JSON array", body: [], error: 'state change must be a JSON object {"state", "params", "action"}' },
  ];
  for (const { name, body, error, params } of badChanges) {
    it(`${name} answers 400 saying what is expected, and changes nothing`, async () => {
      await setState(sandbox, "an order exists", OTHER_ORDER);
      const reply = await postState(sandbox, JSON.stringify(body));
      const expected = params === undefined ? { error, knownStates: PROVIDER_STATES } : { error, params };
      expect(reply).to.deep.equal({ status: 400, body: JSON.parse(JSON.stringify(expected)) as unknown });
      expect(sandbox.wms.store.list()).to.deep.equal([OTHER_ORDER]);
    });
  }

  // Raw JSON text: nesting this deep is where JSON.stringify overflows its stack.
  const deep = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);
  const known = 'known states are "an order exists", "no order exists"';
  const deepChanges: readonly { name: string; body: string; error: string; params?: unknown }[] = [
    6_000, 30_000,
  ].flatMap((depth) => [
    {
      name: `a ${depth}-deep action`,
      body: `{"state": "no order exists", "action": ${deep(depth)}}`,
      error: '"action" must be setup or teardown, got a JSON array',
    },
    {
      name: `a ${depth}-deep state`,
      body: `{"state": ${deep(depth)}}`,
      error: `"state" must be a string naming a provider state, got a JSON array: ${known}`,
    },
    {
      name: `a ${depth}-deep param value`,
      body: `{"state": "an order exists", "params": {"warehouseCode": "W1", "status": "NEW", "orderCode": ${deep(depth)}}}`,
      error: 'state "an order exists": param "orderCode" must be a non-empty string, got a JSON array',
      params: orderExistsParams,
    },
    {
      name: `${depth}-deep params`,
      body: `{"state": "an order exists", "params": ${deep(depth)}}`,
      error: 'state "an order exists": "params" must be a JSON object',
      params: orderExistsParams,
    },
    {
      name: `a ${depth}-deep body`,
      body: deep(depth),
      error: 'state change must be a JSON object {"state", "params", "action"}',
    },
  ]);
  const twins: readonly { name: string; body: unknown; error: string; params?: unknown }[] = [
    {
      name: "an object as action",
      body: { state: "no order exists", action: { a: 1 } },
      error: '"action" must be setup or teardown, got a JSON object',
    },
    {
      name: "a number as state",
      body: { state: 7 },
      error: `"state" must be a string naming a provider state, got 7: ${known}`,
    },
    {
      name: "a 1000-character action",
      body: { state: "no order exists", action: "x".repeat(1000) },
      error: `"action" must be setup or teardown, got "${"x".repeat(80)}…"`,
    },
  ];
  for (const { name, body, error, params } of [...deepChanges, ...twins]) {
    it(`${name} answers 400 naming the field, its value described in a few words, and changes nothing`, async () => {
      await setState(sandbox, "an order exists", OTHER_ORDER);
      const reply = await postState(sandbox, typeof body === "string" ? body : JSON.stringify(body));
      const expected = params === undefined ? { error, knownStates: PROVIDER_STATES } : { error, params };
      expect(reply).to.deep.equal({ status: 400, body: JSON.parse(JSON.stringify(expected)) as unknown });
      expect(sandbox.wms.store.list()).to.deep.equal([OTHER_ORDER]);
    });
  }

  for (const body of [{ action: "setup" }, { state: "", params: {}, action: "setup" }]) {
    it(`a change without a state (${JSON.stringify(body)}) is a no-op answering 200 {}, as Pact's core expects`, async () => {
      await setState(sandbox, "an order exists", OTHER_ORDER);
      expect(await postState(sandbox, JSON.stringify(body))).to.deep.equal({ status: 200, body: {} });
      expect(sandbox.wms.store.list()).to.deep.equal([OTHER_ORDER]);
    });
  }

  it("a body that is not JSON answers 400", async () => {
    expect(await postState(sandbox, "state=an order exists")).to.deep.equal({
      status: 400,
      body: JSON.parse(
        JSON.stringify({ error: "state change body is not JSON", knownStates: PROVIDER_STATES }),
      ) as unknown,
    });
  });

  it("a body over 64 KiB answers 413", async () => {
    expect(await postState(sandbox, JSON.stringify({ state: "x".repeat(70_000) }))).to.deep.equal({
      status: 413,
      body: { error: "state change is over 65536 bytes" },
    });
  });

  it("GET lists the states and their params", async () => {
    const response = await request(sandbox.stateChangeUrl);
    expect(response.statusCode).to.equal(200);
    expect(await response.body.json()).to.deep.equal(JSON.parse(JSON.stringify({ states: PROVIDER_STATES })));
  });
});
