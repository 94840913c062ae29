import { expect } from "chai";
import { SIGN_METHODS } from "../../src/protocol/signing.js";
import { ORDER_CANCEL_METHOD, signQuery } from "../../src/protocol/system-params.js";
import {
  APP_KEY,
  CANCEL_NEW_ORDER_BODY as BODY,
  CANCELLED,
  CUSTOMER_ID,
  failure,
  FIXED_TIMESTAMP,
  harnessSign,
  ILLEGAL_REQUEST,
  NEW_ORDER,
  postQimen,
  SECRET,
  signedParams,
  startSandbox,
  toSearch,
  type CallOptions,
  type QimenReply,
  type RunningSandbox,
  withoutLatency,
} from "./harness.js";

/** Replaces (or, with undefined, removes) one param of a correctly signed call, after signing. */
function tampered(name: string, value: string | undefined, options: CallOptions = {}): string {
  const params = signedParams({ body: BODY, ...options });
  const changed = params.flatMap(([key, current]): [string, string][] =>
    key !== name ? [[key, current]] : value === undefined ? [] : [[key, value]],
  );
  return toSearch(changed);
}

const signOf = (options: CallOptions = {}): string =>
  signedParams({ body: BODY, ...options }).find(([key]) => key === "sign")?.[1] ?? "";

describe("the harness's own signer", () => {
  it("reproduces TOP's public check vector (PROTOCOL.md), so the sandbox is checked against the spec", () => {
    const params: [string, string][] = [
      ["app_key", "12345678"],
      ["fields", "num_iid,title,nick,price,num"],
      ["format", "json"],
      ["method", "taobao.item.seller.get"],
      ["num_iid", "11223344"],
      ["session", "test"],
      ["sign_method", "md5"],
      ["timestamp", "2016-01-01 12:00:00"],
      ["v", "2.0"],
    ];
    expect(harnessSign(params.reverse(), "", "helloworld", "md5")).to.equal("66987CB115214E59E6EC978214934FB8");
  });
});

describe("sandbox WMS: who may call (app_key, sign, timestamp, customerId)", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
    sandbox.wms.store.put(NEW_ORDER);
  });
  afterEach(() => sandbox.wms.close());

  /** A rejected call answers `expected` and leaves the order untouched. */
  async function expectRejected(search: string, expected: QimenReply, body: string = BODY): Promise<void> {
    expect(await postQimen(sandbox, search, body)).to.deep.equal(expected);
    expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
  }

  it("accepts a call signed with sign_method md5", async () => {
    expect(await postQimen(sandbox, toSearch(signedParams({ body: BODY, signMethod: "md5" })), BODY)).to.deep.equal(
      CANCELLED,
    );
  });

  // As SDK-built WMSs (SpiUtils) do: they verify md5 whatever sign_method says.
  for (const signMethod of SIGN_METHODS.filter((method) => method !== "md5")) {
    it(`refuses a call correctly signed with sign_method ${signMethod}`, () =>
      expectRejected(
        toSearch(signedParams({ body: BODY, signMethod })),
        failure(
          "sign-method-unsupported",
          `sign_method "${signMethod}" is not supported: Qimen WMSs verify md5 signs only, use md5`,
        ),
      ));
  }

  it("accepts a call signed by the protocol core's signQuery, as the ERP client sends it", async () => {
    const system = {
      method: ORDER_CANCEL_METHOD.long,
      timestamp: FIXED_TIMESTAMP,
      appKey: APP_KEY,
      customerId: CUSTOMER_ID,
    };
    expect(await postQimen(sandbox, signQuery(system, BODY, SECRET).search, BODY)).to.deep.equal(CANCELLED);
  });

  describe("bad signatures answer sign-check-failure / Illegal request and change nothing", () => {
    const cases: readonly { name: string; search: () => string; body?: string }[] = [
      {
        name: "signed with another secret",
        search: () => toSearch(signedParams({ body: BODY, secret: "wrong-secret" })),
      },
      { name: "wrong length (one character short)", search: () => tampered("sign", signOf().slice(0, -1)) },
      { name: "lower case", search: () => tampered("sign", signOf().toLowerCase()) },
      { name: "junk appended", search: () => tampered("sign", `${signOf()}00`) },
      { name: "empty", search: () => tampered("sign", "") },
      {
        name: "the body changed after signing",
        search: () => toSearch(signedParams({ body: BODY })),
        body: `${BODY}\n`,
      },
      { name: "a param changed after signing", search: () => tampered("customerId", "another-customer") },
      { name: "a param added after signing", search: () => `${toSearch(signedParams({ body: BODY }))}&extra=1` },
      {
        name: "signed over the timestamp with %20 read as a literal",
        search: () => tampered("sign", signOf({ timestamp: "2024-05-01%2012:00:00" })),
      },
    ];
    for (const { name, search, body } of cases) {
      it(name, () => expectRejected(search(), ILLEGAL_REQUEST, body));
    }
  });

  const rejections: readonly { name: string; search: () => string; expected: QimenReply }[] = [
    {
      name: "missing sign",
      search: () => tampered("sign", undefined),
      expected: failure("sign-missing", "sign parameter is missing"),
    },
    {
      name: "missing app_key",
      search: () => tampered("app_key", undefined),
      expected: failure("app-key-missing", "app_key parameter is missing"),
    },
    {
      name: "unknown app_key (correctly signed with some secret)",
      search: () => toSearch(signedParams({ body: BODY, appKey: "stranger", secret: "their-secret" })),
      expected: failure("app-key-unknown", 'unknown app_key "stranger"'),
    },
    {
      name: "unsupported sign_method",
      search: () => tampered("sign_method", "sha1"),
      expected: failure(
        "sign-method-unsupported",
        'sign_method "sha1" is not supported: Qimen WMSs verify md5 signs only, use md5',
      ),
    },
    {
      name: "a system param given twice",
      search: () => `${toSearch(signedParams({ body: BODY }))}&method=order.cancel`,
      expected: failure("param-duplicate", 'query parameter "method" given more than once: send each once'),
    },
    {
      name: "missing timestamp (signed without it)",
      search: () => toSearch(signedParams({ body: BODY, timestamp: "" })),
      expected: failure("timestamp-missing", "timestamp parameter is missing"),
    },
    {
      name: "a timestamp that is no real time",
      search: () => toSearch(signedParams({ body: BODY, timestamp: "2024-02-30 12:00:00" })),
      expected: failure(
        "timestamp-invalid",
        'timestamp "2024-02-30 12:00:00" is not a real yyyy-MM-dd HH:mm:ss time (Beijing time)',
      ),
    },
    {
      name: "an ISO timestamp",
      search: () => toSearch(signedParams({ body: BODY, timestamp: "2024-05-01T12:00:00+08:00" })),
      expected: failure(
        "timestamp-invalid",
        'timestamp "2024-05-01T12:00:00+08:00" is not a real yyyy-MM-dd HH:mm:ss time (Beijing time)',
      ),
    },
    {
      name: "a stale timestamp, 1 s past the window",
      search: () => toSearch(signedParams({ body: BODY, timestamp: "2024-05-01 11:49:59" })),
      expected: failure(
        "timestamp-out-of-window",
        "timestamp 2024-05-01 11:49:59 is 601 s in the past; allowed: ±600 s around the WMS clock, now 2024-05-01 12:00:00 Beijing time",
      ),
    },
    {
      name: "a future timestamp, 1 s past the window",
      search: () => toSearch(signedParams({ body: BODY, timestamp: "2024-05-01 12:10:01" })),
      expected: failure(
        "timestamp-out-of-window",
        "timestamp 2024-05-01 12:10:01 is 601 s in the future; allowed: ±600 s around the WMS clock, now 2024-05-01 12:00:00 Beijing time",
      ),
    },
    {
      name: "the same wall-clock time read as UTC (8 hours off)",
      search: () => toSearch(signedParams({ body: BODY, timestamp: "2024-05-01 04:00:00" })),
      expected: failure(
        "timestamp-out-of-window",
        "timestamp 2024-05-01 04:00:00 is 28800 s in the past; allowed: ±600 s around the WMS clock, now 2024-05-01 12:00:00 Beijing time",
      ),
    },
    {
      name: "format json",
      search: () => toSearch(signedParams({ body: BODY, format: "json" })),
      expected: failure("format-unsupported", 'format "json" is not supported: use xml'),
    },
  ];
  for (const { name, search, expected } of rejections) {
    it(`${name}: ${expected.code}, nothing changed`, () => expectRejected(search(), expected));
  }

  for (const timestamp of ["2024-05-01 11:50:00", "2024-05-01 12:10:00"]) {
    it(`accepts a timestamp at the edge of the window (${timestamp})`, async () => {
      expect(await postQimen(sandbox, toSearch(signedParams({ body: BODY, timestamp })), BODY)).to.deep.equal(
        CANCELLED,
      );
    });
  }

  const encodings: readonly [string, (search: string) => string][] = [
    ["+", (search) => search],
    ["%20", (search) => search.replaceAll("+", "%20")],
  ];
  for (const [space, encode] of encodings) {
    it(`accepts the timestamp's space encoded as ${space}`, async () => {
      const search = encode(toSearch(signedParams({ body: BODY })));
      expect(search).to.include(`timestamp=2024-05-01${space}12`);
      expect(await postQimen(sandbox, search, BODY)).to.deep.equal(CANCELLED);
    });
  }

  it("signs over the exact body bytes: a body with a BOM and CRLF verifies", async () => {
    const body = `\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<request>\r\n<warehouseCode>W1</warehouseCode><orderCode>O-1001</orderCode></request>`;
    expect(await postQimen(sandbox, toSearch(signedParams({ body })), body)).to.deep.equal(CANCELLED);
  });
});

describe("sandbox WMS: configured customerId", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ customerId: CUSTOMER_ID });
    sandbox.wms.store.put(NEW_ORDER);
  });
  afterEach(() => sandbox.wms.close());

  it("accepts calls for its customerId", async () => {
    expect(await postQimen(sandbox, toSearch(signedParams({ body: BODY })), BODY)).to.deep.equal(CANCELLED);
  });

  const cases: readonly [string, string, string][] = [
    ["another customerId", "other-wms", 'customerId "other-wms" is not served by this WMS'],
    ["no customerId", "", "customerId parameter is missing"],
  ];
  for (const [name, customerId, message] of cases) {
    it(`rejects ${name} with customer-id-mismatch and changes nothing`, async () => {
      const search = toSearch(signedParams({ body: BODY, customerId }));
      expect(await postQimen(sandbox, search, BODY)).to.deep.equal(failure("customer-id-mismatch", message));
      expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
    });
  }
});

describe("sandbox WMS: the request log of a refused call", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ customerId: CUSTOMER_ID });
    sandbox.wms.store.put(NEW_ORDER);
  });
  afterEach(() => sandbox.wms.close());

  const refusals: readonly { readonly cause: string; readonly options: CallOptions; readonly code: string }[] = [
    { cause: "a bad sign", options: { secret: "not-the-secret" }, code: "sign-check-failure" },
    { cause: "a stale timestamp", options: { timestamp: "2024-05-01 10:00:00" }, code: "timestamp-out-of-window" },
    { cause: "an unknown method", options: { method: "taobao.qimen.stockout.create" }, code: "method-unknown" },
    { cause: "another customerId", options: { customerId: "other-wms" }, code: "customer-id-mismatch" },
  ];
  for (const { cause, options, code } of refusals) {
    it(`names the orderCode the body carries when refused for ${cause}`, async () => {
      expect((await postQimen(sandbox, toSearch(signedParams({ body: BODY, ...options })), BODY)).code).to.equal(code);
      expect(sandbox.logLines.map((line) => line.split(" message=")[0])).to.deep.equal([
        `call=qimen method=${options.method ?? ORDER_CANCEL_METHOD.short} orderCode=${NEW_ORDER.orderCode} verdict=failure code=${code}`,
      ]);
    });
  }

  it("names the orderCode when the decoder refuses the body", async () => {
    const body = `<request><warehouseCode>W1</warehouseCode><warehouseCode>W2</warehouseCode><orderCode>${NEW_ORDER.orderCode}</orderCode></request>`;
    expect((await postQimen(sandbox, toSearch(signedParams({ body })), body)).code).to.equal("field-duplicate");
    expect(sandbox.logLines.map((line) => line.split(" message=")[0])).to.deep.equal([
      `call=qimen method=${ORDER_CANCEL_METHOD.short} orderCode=${NEW_ORDER.orderCode} verdict=failure code=field-duplicate`,
    ]);
    expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
  });

  it("leaves orderCode out when the body carries none", async () => {
    const body = "<request><warehouseCode>W1</warehouseCode></request>";
    expect(await postQimen(sandbox, toSearch(signedParams({ body, secret: "not-the-secret" })), body)).to.deep.equal(
      ILLEGAL_REQUEST,
    );
    expect(sandbox.logLines.map(withoutLatency)).to.deep.equal([
      'call=qimen method=order.cancel verdict=failure code=sign-check-failure message="Illegal request"',
    ]);
  });
});

describe("sandbox WMS: TEST-ONLY verifySignatures: false", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ verifySignatures: false });
    sandbox.wms.store.put(NEW_ORDER);
  });
  afterEach(() => sandbox.wms.close());

  it("accepts an unsigned call from an unknown app_key and logs sign=unchecked", async () => {
    const search = toSearch(
      signedParams({ body: BODY, appKey: "recorded-app", secret: "unknown" }).filter(([key]) => key !== "sign"),
    );
    expect(await postQimen(sandbox, search, BODY)).to.deep.equal(CANCELLED);
    expect(sandbox.logLines.at(-1)).to.match(/ sign=unchecked /);
  });

  it("still enforces the timestamp window", async () => {
    const search = toSearch(signedParams({ body: BODY, timestamp: "2020-01-01 00:00:00" }));
    expect((await postQimen(sandbox, search, BODY)).code).to.equal("timestamp-out-of-window");
  });

  it("is off by default: the default sandbox rejects the same unsigned call", async () => {
    const strict = await startSandbox();
    try {
      const search = toSearch(signedParams({ body: BODY, appKey: APP_KEY }).filter(([key]) => key !== "sign"));
      expect(await postQimen(strict, search, BODY)).to.deep.equal(failure("sign-missing", "sign parameter is missing"));
    } finally {
      await strict.wms.close();
    }
  });
});
