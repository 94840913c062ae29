import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { QimenDeliveryError } from "../../src/client/delivery-error.js";
import { isQimenError, OptionError, QIMEN_ERROR_CODES, QimenError } from "../../src/protocol/errors.js";

const README = new URL("../../README.md", import.meta.url);

/** A second instance of a module, as a second installed copy of qimen-pact would load it. */
async function secondCopy<T>(path: string): Promise<T> {
  return (await import(`${new URL(path, import.meta.url).href}?second-copy`)) as T;
}

describe("errors: stable codes, recognised across installed copies", () => {
  it("README's table lists exactly the codes a QimenError carries, with their family and meaning", async () => {
    const rows = [...(await readFile(README, "utf8")).matchAll(/^\| `(QIMEN_[A-Z_]+)` +\| (\w+) +\| (.+?) +\|$/gm)];
    expect(rows.map(([, code, family, meaning]) => [code, family, meaning])).to.deep.equal([
      ...Object.entries(QIMEN_ERROR_CODES).map(([code, { family, meaning }]) => [code, family, meaning]),
      ["QIMEN_OPTION_INVALID", "option", "an option outside what it supports (an `OptionError`)"],
    ]);
  });

  it("recognises a QimenError made by another copy of the module, and tells it from other errors", async () => {
    const other = await secondCopy<typeof import("../../src/protocol/errors.js")>("../../src/protocol/errors.ts");
    expect(other.QimenError).not.to.equal(QimenError);
    const foreign = new other.QimenError("QIMEN_ABORTED", "aborted elsewhere");
    expect({
      instance: foreign instanceof QimenError,
      is: isQimenError(foreign),
      isWithCode: isQimenError(foreign, "QIMEN_ABORTED"),
      isWithOtherCode: isQimenError(foreign, "QIMEN_XML_MALFORMED"),
      plainError: isQimenError(new Error("QIMEN_ABORTED")),
      lookalike: isQimenError({ name: "QimenError", code: "QIMEN_ABORTED", message: "" }),
      optionErrorIsNoQimenError: new other.OptionError("x", "a number", "y") instanceof QimenError,
      foreignOptionError: new other.OptionError("x", "a number", "y") instanceof OptionError,
      rangeErrorIsNoOptionError: new RangeError("x") instanceof OptionError,
    }).to.deep.equal({
      instance: true,
      is: true,
      isWithCode: true,
      isWithOtherCode: false,
      plainError: false,
      lookalike: false,
      optionErrorIsNoQimenError: false,
      foreignOptionError: true,
      rangeErrorIsNoOptionError: false,
    });
  });

  it("tells a QimenDeliveryError of another copy from a plain QimenError", async () => {
    const other = await secondCopy<typeof import("../../src/client/delivery-error.js")>(
      "../../src/client/delivery-error.ts",
    );
    const delivery = new other.QimenDeliveryError("QIMEN_READ_TIMEOUT", "slow", { delivery: "maybe-applied" });
    expect({
      delivery: delivery instanceof QimenDeliveryError,
      qimen: delivery instanceof QimenError,
      plainIsNoDelivery: new QimenError("QIMEN_ABORTED", "x") instanceof QimenDeliveryError,
    }).to.deep.equal({ delivery: true, qimen: true, plainIsNoDelivery: false });
  });
});
