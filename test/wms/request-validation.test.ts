import { expect } from "chai";
import { isQimenError } from "../../src/protocol/errors.js";
import { decodeCancelRequest } from "../../src/protocol/request-codec.js";
import { DEFAULT_XML_LIMITS } from "../../src/protocol/xml.js";
import { describeContentTypeProblem, contentTypeProblem } from "../../src/protocol/content-type.js";
import {
  CANCEL_NEW_ORDER_BODY,
  CANCELLED,
  failure,
  NEW_ORDER,
  postQimen,
  signedParams,
  startSandbox,
  toSearch,
  type QimenReply,
  type RunningSandbox,
} from "./harness.js";

const FIELDS = "<warehouseCode>W1</warehouseCode><orderCode>O-1001</orderCode>";

/** The message the protocol core gives for a body: the sandbox must pass it on unchanged. */
function coreMessage(body: string | Uint8Array): string {
  try {
    decodeCancelRequest(body);
  } catch (error) {
    if (isQimenError(error)) return error.message;
  }
  throw new Error("the core accepted a body this test expects it to reject");
}

const nested = (depth: number): string => `${"<a>".repeat(depth)}x${"</a>".repeat(depth)}`;

const BAD_BODIES: readonly { name: string; body: string | Uint8Array; code: string; names: string }[] = [
  {
    name: "missing warehouseCode",
    body: "<request><orderCode>O-1001</orderCode></request>",
    code: "field-missing",
    names: "<warehouseCode>",
  },
  {
    name: "missing orderCode",
    body: "<request><warehouseCode>W1</warehouseCode></request>",
    code: "field-missing",
    names: "<orderCode>",
  },
  {
    name: "empty orderCode",
    body: "<request><warehouseCode>W1</warehouseCode><orderCode></orderCode></request>",
    code: "field-missing",
    names: "<orderCode>",
  },
  {
    name: "malformed XML",
    body: "<request><warehouseCode>W1</warehouseCode><orderCode>O-1001</request>",
    code: "xml-malformed",
    names: "not well-formed",
  },
  { name: "empty body", body: "", code: "xml-malformed", names: "empty" },
  {
    name: "an undefined entity",
    body: `<request>${FIELDS}<remark>&nbsp;</remark></request>`,
    code: "xml-malformed",
    names: "&nbsp;",
  },
  {
    name: "DOCTYPE with entities (billion laughs)",
    body: `<?xml version="1.0"?><!DOCTYPE request [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><request>${FIELDS}<remark>&b;</remark></request>`,
    code: "xml-dtd-forbidden",
    names: "DOCTYPE",
  },
  {
    name: "excessive nesting",
    body: `<request>${FIELDS}<extendProps>${nested(40)}</extendProps></request>`,
    code: "xml-too-deep",
    names: `${DEFAULT_XML_LIMITS.maxDepth} levels`,
  },
  { name: "wrong root", body: `<order>${FIELDS}</order>`, code: "xml-wrong-root", names: "<order>" },
  {
    name: "two roots",
    body: `<request>${FIELDS}</request><request>${FIELDS}</request>`,
    code: "xml-malformed",
    names: "root",
  },
  {
    name: "a duplicated field",
    body: `<request>${FIELDS}<orderCode>O-1002</orderCode></request>`,
    code: "field-duplicate",
    names: "<orderCode>",
  },
  {
    name: "elements where text belongs",
    body: "<request><warehouseCode>W1</warehouseCode><orderCode><code>O-1001</code></orderCode></request>",
    code: "field-invalid",
    names: "<orderCode>",
  },
  {
    name: "invalid UTF-8",
    body: Buffer.concat([
      Buffer.from(`<request>${FIELDS}<remark>`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from("</remark></request>"),
    ]),
    code: "xml-encoding",
    names: "UTF-8",
  },
];

describe("sandbox WMS: request validation (correctly signed, bad bodies)", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
    sandbox.wms.store.put(NEW_ORDER);
  });
  afterEach(() => sandbox.wms.close());

  for (const { name, body, code, names } of BAD_BODIES) {
    it(`${name}: ${code} naming the problem, nothing changed`, async () => {
      const reply = await postQimen(sandbox, toSearch(signedParams({ body })), body);
      expect(reply).to.deep.equal(failure(code, coreMessage(body)));
      expect(reply.message).to.include(names);
      expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
    });
  }

  // The core's diagnostic quotes the offending UTF-16 unit as it is; XML cannot carry it in the answer.
  const unrepeatable: readonly { name: string; body: string; raw: string; escaped: string }[] = [
    { name: "a NUL", body: `\u0000<request>${FIELDS}</request>`, raw: "\u0000", escaped: "\\u0000" },
  ];
  for (const { name, body, raw, escaped } of unrepeatable) {
    it(`a body starting with ${name}: xml-malformed, HTTP 200, what XML cannot carry escaped as \\uXXXX`, async () => {
      const reply = await postQimen(sandbox, toSearch(signedParams({ body })), body);
      expect(reply).to.deep.equal(failure("xml-malformed", coreMessage(body).replace(raw, escaped)));
      expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
    });
  }

  it("a body starting with an emoji: xml-malformed quoting the whole emoji, which XML carries", async () => {
    const body = `\u{1F600}<request>${FIELDS}</request>`;
    const reply = await postQimen(sandbox, toSearch(signedParams({ body })), body);
    expect(reply).to.deep.equal(failure("xml-malformed", coreMessage(body)));
    expect(reply.message).to.include('(starting with "\u{1F600}")');
  });

  it(`a body over the default limit (${DEFAULT_XML_LIMITS.maxBytes} bytes): xml-too-large, nothing changed`, async () => {
    const body = `<request>${FIELDS}<remark>${"x".repeat(DEFAULT_XML_LIMITS.maxBytes)}</remark></request>`;
    expect(await postQimen(sandbox, toSearch(signedParams({ body })), body)).to.deep.equal(
      failure("xml-too-large", `request body is over the limit of ${DEFAULT_XML_LIMITS.maxBytes} bytes`),
    );
    expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
  });
});

describe("sandbox WMS: the request's Content-Type, as the SDK's SpiUtils reads it", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
    sandbox.wms.store.put(NEW_ORDER);
  });
  afterEach(() => sandbox.wms.close());

  const body = CANCEL_NEW_ORDER_BODY;
  const ACCEPTED = [
    "text/xml;charset=utf-8",
    "text/xml; charset=UTF-8",
    "text/xml;charset=utf8",
    "application/xml",
    "text/xml; charset=utf-8;",
  ];
  for (const contentType of ACCEPTED) {
    it(`accepts ${contentType}`, async () => {
      expect(await postQimen(sandbox, toSearch(signedParams({ body })), body, contentType)).to.deep.equal(CANCELLED);
    });
  }

  const REFUSED: readonly { readonly contentType: string | null; readonly names: string }[] = [
    { contentType: "Text/XML;charset=utf-8", names: "SpiUtils refuses it" },
    { contentType: "APPLICATION/XML", names: "SpiUtils refuses it" },
    { contentType: 'text/xml; charset="utf-8"', names: "UnsupportedEncodingException" },
    { contentType: "text/xml;charset=gbk", names: "Qimen allows no other charset" },
    { contentType: "application/x-www-form-urlencoded", names: "SpiUtils refuses it" },
    { contentType: null, names: "no Content-Type header" },
  ];
  for (const { contentType, names } of REFUSED) {
    it(`refuses ${contentType ?? "no Content-Type"}: content-type-unsupported naming the SDK behaviour, nothing changed`, async () => {
      const reply = await postQimen(sandbox, toSearch(signedParams({ body })), body, contentType);
      const problem = contentTypeProblem("request", contentType ?? undefined);
      expect(problem).not.to.equal(undefined);
      expect(reply).to.deep.equal(
        failure(
          "content-type-unsupported",
          `${describeContentTypeProblem("request", problem!)} (a WMS built on the official SDK's SpiUtils refuses this call)`,
        ),
      );
      expect(reply.message).to.include(names);
      expect(sandbox.wms.store.list()).to.deep.equal([NEW_ORDER]);
    });
  }
});

describe("sandbox WMS: configured xmlLimits", () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ xmlLimits: { maxBytes: 512, maxDepth: 3 } });
    sandbox.wms.store.put(NEW_ORDER);
  });
  afterEach(() => sandbox.wms.close());

  const withRemark = (length: number): string => `<request>${FIELDS}<remark>${"x".repeat(length)}</remark></request>`;
  const sizedBody = (bytes: number): string => withRemark(bytes - Buffer.byteLength(withRemark(0)));

  const cases: readonly { name: string; body: string; reply: QimenReply }[] = [
    {
      name: "a body of exactly maxBytes",
      body: sizedBody(512),
      reply: CANCELLED,
    },
    {
      name: "a body one byte over maxBytes",
      body: sizedBody(513),
      reply: failure("xml-too-large", "request body is over the limit of 512 bytes"),
    },
    {
      name: "a body nesting one level deeper than maxDepth",
      body: `<request>${FIELDS}<extendProps>${nested(2)}</extendProps></request>`,
      reply: failure("xml-too-deep", "XML body nests elements deeper than 3 levels"),
    },
  ];
  for (const { name, body, reply } of cases) {
    it(`${name}: ${reply.code}`, async () => {
      expect(await postQimen(sandbox, toSearch(signedParams({ body })), body)).to.deep.equal(reply);
      expect(sandbox.wms.store.list()).to.deep.equal([
        reply === CANCELLED ? { ...NEW_ORDER, status: "CANCELED" } : NEW_ORDER,
      ]);
    });
  }
});
