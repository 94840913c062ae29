import { expect } from "chai";
import { probeCatalogue } from "../../provider-verify/probe/catalogue.js";
import type { ProbeContext } from "../../provider-verify/probe/probe-model.js";
import { ORDER_CANCEL_SPEC, type MethodSpec } from "../../src/protocol/methods/order-cancel.js";

/** order.cancel's spec with fields added: a required one, one with codes and a limit, a map and a list. */
const GROWN_SPEC: MethodSpec = {
  ...ORDER_CANCEL_SPEC,
  requestFields: [
    ...ORDER_CANCEL_SPEC.requestFields,
    { name: "storeCode", required: true, type: "text", example: "S1" },
    { name: "channel", required: false, type: "text", codes: ["TB", "JD"], maxLength: 20 },
    { name: "labels", required: false, type: "map" },
    { name: "packages", required: false, type: "list", itemNames: ["package", "pkg"], itemField: "packageCode" },
  ],
};

const CONTEXT: ProbeContext = {
  spec: GROWN_SPEC,
  appKey: "k",
  secret: "s3cret",
  customerId: "c",
  now: new Date("2026-01-15T02:00:00Z"),
  warehouseCode: "W1",
  orderCode: "O1",
};

describe("probe catalogue: generated from the method's spec data", () => {
  it("has unique ids", () => {
    const ids = probeCatalogue().map((probe) => probe.id);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it("adds the probes of fields added to the spec, and only those", () => {
    const before = new Set(probeCatalogue(ORDER_CANCEL_SPEC).map((probe) => probe.id));
    const added = probeCatalogue(GROWN_SPEC)
      .map((probe) => probe.id)
      .filter((id) => !before.has(id));
    expect(added).to.deep.equal([
      "body.missing-storeCode",
      "robust.channel-unknown-code",
      "robust.channel-20-chinese-chars",
      "robust.labels-unknown-keys",
      "robust.packages-item-pkg",
    ]);
  });

  it("sends every required field but the missing one, and the others of a grown spec in every valid body", () => {
    const bodyOf = (id: string): string => {
      const probe = probeCatalogue(GROWN_SPEC).find((one) => one.id === id);
      return Buffer.from(probe?.build(CONTEXT).body ?? []).toString("utf8");
    };
    expect({
      missing: bodyOf("body.missing-storeCode"),
      requiredOnly: bodyOf("robust.required-only"),
      item: bodyOf("robust.packages-item-pkg"),
    }).to.deep.equal({
      missing:
        '<?xml version="1.0" encoding="utf-8"?><request><warehouseCode>W1</warehouseCode><orderCode>O1</orderCode><cancelReason>qimen-pact probe: signed</cancelReason></request>',
      requiredOnly:
        '<?xml version="1.0" encoding="utf-8"?><request><warehouseCode>W1</warehouseCode><orderCode>O1</orderCode><storeCode>S1</storeCode></request>',
      item: '<?xml version="1.0" encoding="utf-8"?><request><warehouseCode>W1</warehouseCode><orderCode>O1</orderCode><storeCode>S1</storeCode><packages><pkg><packageCode>1</packageCode></pkg></packages></request>',
    });
  });

  it("writes the limit's length in characters for a max-length field", () => {
    const probe = probeCatalogue().find((one) => one.id === "robust.cancelReason-500-chinese-chars");
    const body = Buffer.from(probe?.build({ ...CONTEXT, spec: ORDER_CANCEL_SPEC }).body ?? []).toString("utf8");
    expect([...(/<cancelReason>([^<]*)<\/cancelReason>/.exec(body)?.[1] ?? "")].length).to.equal(500);
  });
});
