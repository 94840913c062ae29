import { expect } from "chai";
import { relayedHeaders } from "../../provider-verify/pact-relay.js";
import { MARKER_HEADER } from "../../provider-verify/shards.js";

describe("verify's relay: the call's headers as the WMS receives them", () => {
  it("keeps the contract's headers, drops hop-by-hop ones and our marker, and keeps a header named like an Object.prototype member", () => {
    const received = Object.fromEntries([
      ["content-type", "text/xml;charset=utf-8"],
      ["host", "127.0.0.1:1234"],
      ["connection", "keep-alive"],
      ["accept-encoding", "gzip"],
      [MARKER_HEADER, "7"],
      ["__proto__", "a header after all"],
      ["x-multi", ["a", "b"]],
    ]) as Record<string, string | string[]>;
    const relayed = relayedHeaders(received);
    expect(Object.entries(relayed)).to.deep.equal([
      ["content-type", "text/xml;charset=utf-8"],
      ["__proto__", "a header after all"],
      ["x-multi", "a, b"],
    ]);
    expect(Object.getPrototypeOf(relayed)).to.equal(Object.prototype);
  });
});
