import { expect } from "chai";
import {
  ORDER_STATUS_NAMES,
  OrderStore,
  type CancelOutcome,
  type OrderDocument,
  type OrderQuery,
  type OrderStatus,
} from "../../src/wms/order-store.js";

const order = (status: OrderStatus, extra: Partial<OrderDocument> = {}): OrderDocument => ({
  warehouseCode: "W1",
  orderCode: "O1",
  status,
  ...extra,
});
const QUERY: OrderQuery = { warehouseCode: "W1", orderCode: "O1" };

function storeWith(...documents: OrderDocument[]): OrderStore {
  const store = new OrderStore();
  for (const document of documents) store.put(document);
  return store;
}

describe("OrderStore: the sandbox's documents", () => {
  describe("cancel, by status", () => {
    const cases: readonly { status: OrderStatus; outcome: CancelOutcome; after: OrderStatus }[] = [
      ...(["NEW", "ACCEPT", "PRINT", "PICK", "CHECK", "PACKAGE", "WEIGHT", "READY"] as const).map((status) => ({
        status,
        outcome: { kind: "cancelled", order: order("CANCELED") } as const,
        after: "CANCELED" as const,
      })),
      { status: "CANCELED", outcome: { kind: "already-cancelled", order: order("CANCELED") }, after: "CANCELED" },
      ...(
        [
          ["DELIVERED", "shipped"],
          ["PARTDELIVERED", "shipped"],
          ["FULFILLED", "received"],
          ["PARTFULFILLED", "received"],
          ["CLOSED", "closed"],
        ] as const
      ).map(([status, rule]) => ({
        status,
        outcome: { kind: "not-cancellable", rule, order: order(status) } as const,
        after: status,
      })),
    ];

    it("covers every status it knows", () => {
      expect(cases.map((c) => c.status)).to.have.members([...ORDER_STATUS_NAMES]);
    });

    for (const { status, outcome, after } of cases) {
      it(`${status} → ${outcome.kind}, stored status ${after}`, () => {
        const store = storeWith(order(status));
        expect(store.cancel(QUERY)).to.deep.equal(outcome);
        expect(store.list()).to.deep.equal([order(after)]);
      });
    }

    it("an unknown order is not-found and nothing is stored", () => {
      const store = new OrderStore();
      expect(store.cancel(QUERY)).to.deep.equal({ kind: "not-found" });
      expect(store.list()).to.deep.equal([]);
    });
  });

  describe("find: orderCode, narrowed by what both sides carry", () => {
    const stored = order("NEW", { ownerCode: "H1", orderType: "JYCK", orderId: "WQ1" });
    const cases: readonly { name: string; query: OrderQuery; found: boolean }[] = [
      { name: "only the required fields", query: QUERY, found: true },
      {
        name: "every field matching",
        query: { ...QUERY, ownerCode: "H1", orderType: "JYCK", orderId: "WQ1" },
        found: true,
      },
      {
        name: "warehouse OTHER (the ERP leaves the choice to the WMS)",
        query: { ...QUERY, warehouseCode: "OTHER" },
        found: true,
      },
      {
        name: "empty optional fields, as some ERPs send them",
        query: { ...QUERY, ownerCode: "", orderId: "" },
        found: true,
      },
      { name: "another orderCode", query: { ...QUERY, orderCode: "O2" }, found: false },
      { name: "another warehouse", query: { ...QUERY, warehouseCode: "W2" }, found: false },
      { name: "another owner", query: { ...QUERY, ownerCode: "H2" }, found: false },
      { name: "another orderType", query: { ...QUERY, orderType: "CGRK" }, found: false },
      { name: "another orderId", query: { ...QUERY, orderId: "WQ2" }, found: false },
    ];
    for (const { name, query, found } of cases) {
      it(`${name}: ${found ? "found" : "not found"}`, () => {
        expect(storeWith(stored).find(query)).to.deep.equal(found ? [stored] : []);
      });
    }

    it("a field the document does not record does not narrow the search", () => {
      expect(
        storeWith(order("NEW")).find({ ...QUERY, ownerCode: "H9", orderType: "PTRK", orderId: "X" }),
      ).to.deep.equal([order("NEW")]);
    });

    it("two documents matching make the cancel ambiguous and change neither", () => {
      const documents = [order("NEW", { ownerCode: "H1" }), order("NEW", { ownerCode: "H2" })];
      const store = storeWith(...documents);
      expect(store.cancel(QUERY)).to.deep.equal({ kind: "ambiguous", matches: documents });
      expect(store.list()).to.deep.equal(documents);
    });
  });

  describe("put, delete, removeAll", () => {
    it("put replaces the document with the same warehouse, code and owner", () => {
      const store = storeWith(order("NEW"), order("DELIVERED"));
      expect(store.list()).to.deep.equal([order("DELIVERED")]);
    });

    it("put keeps documents of other owners and warehouses apart", () => {
      const documents = [order("NEW"), order("NEW", { ownerCode: "H1" }), order("NEW", { warehouseCode: "W2" })];
      expect(storeWith(...documents).list()).to.have.deep.members(documents);
    });

    it("delete removes exactly one identity", () => {
      const store = storeWith(order("NEW"), order("NEW", { ownerCode: "H1" }));
      expect(store.delete({ warehouseCode: "W1", orderCode: "O1", ownerCode: "H1" })).to.equal(true);
      expect(store.delete({ warehouseCode: "W1", orderCode: "O1", ownerCode: "H1" })).to.equal(false);
      expect(store.list()).to.deep.equal([order("NEW")]);
    });

    it("removeAll removes the code in every warehouse, or in the one given", () => {
      const other = order("NEW", { orderCode: "O2" });
      const store = storeWith(order("NEW"), order("NEW", { warehouseCode: "W2" }), other);
      expect(store.removeAll({ orderCode: "O1", warehouseCode: "W2" })).to.equal(1);
      expect(store.list()).to.deep.equal([order("NEW"), other]);
      expect(store.removeAll({ orderCode: "O1" })).to.equal(1);
      expect(store.list()).to.deep.equal([other]);
    });

    it("list hands out copies: changing one does not change the store", () => {
      const store = storeWith(order("NEW"));
      const [copy] = store.list() as unknown as [{ status: string }];
      copy.status = "CANCELED";
      expect(store.list()).to.deep.equal([order("NEW")]);
    });
  });
});
