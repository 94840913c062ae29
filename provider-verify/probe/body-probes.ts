import type { FieldSpec, MethodSpec } from "../../src/protocol/methods/order-cancel.js";
import { XML_DECLARATION, type XmlChildren } from "../../src/protocol/xml-writer.js";
import {
  PROBE_REASON,
  requestDocument,
  requiredContent,
  validBody,
  wireCall,
  type ProbeContext,
  type ProbeEntry,
} from "./probe-model.js";

/*
 * Probes of the body, generated from the method's spec data wherever they can be: a field added to
 * the spec (required, with codes, a length limit, a map or a list) adds its probes.
 */

/** The body of the oversize probe: far past any order.cancel document (a few KiB). */
export const OVERSIZE_BODY_BYTES = 5 * 1024 * 1024;
/** order.cancel's spec example reason, 已经退货, in GBK: the bytes of a sender that ignores the declared charset. */
export const GBK_REASON = Buffer.from("d2d1beadcdcbbbf5", "hex");
/** Codes seen in the wild outside the spec's lists (docs/protocol.md). */
const WILD_CODES = ["PTRK", "SCCK", "QIMENPACTX"];
const CHINESE_TEXT = "已经退货，客户取消订单。";

const REFUSED = { severity: "required", expects: "refused" } as const;
const READABLE = { severity: "required", expects: "readable" } as const;

/** Bytes of a valid body with `reason` (raw bytes) as cancel reason. */
function withRawReason(context: ProbeContext, reason: Uint8Array): Uint8Array {
  const [before, after] = validBody(context).split(PROBE_REASON) as [string, string];
  return Buffer.concat([Buffer.from(before, "utf8"), reason, Buffer.from(after, "utf8")]);
}

function missingFieldProbe(field: FieldSpec): ProbeEntry {
  return {
    id: `body.missing-${field.name}`,
    ...REFUSED,
    sends: `a valid call without the required <${field.name}>`,
    why: `the spec requires ${field.name}; a WMS acting without it guesses, and one that throws answers HTTP 500`,
    fix: `check that <${field.name}> is present and not empty before acting, and answer failure naming it`,
    build: (context) => {
      const content: Record<string, string> = { ...requiredContent(context), cancelReason: PROBE_REASON };
      delete content[field.name];
      return wireCall(context, { body: requestDocument(context, content) });
    },
  };
}

/** Documents no WMS may act on, whatever the method. */
function malformedBodyProbes(spec: MethodSpec): ProbeEntry[] {
  const entities = `<!ENTITY a "qimen-pact"><!ENTITY b "${"&a;".repeat(10)}"><!ENTITY c "${"&b;".repeat(10)}">`;
  return [
    {
      id: "body.empty",
      ...REFUSED,
      sends: "a correctly signed call with an empty body",
      why: "an empty body holds no order: a WMS must say so in the envelope, not crash",
      fix: "answer failure when the body is empty",
      build: (context) => wireCall(context, { body: "" }),
    },
    {
      id: "body.wrong-root",
      ...REFUSED,
      sends: `the valid fields under <xml> instead of <${spec.requestRoot}>`,
      why: "a reader that searches the fields anywhere acts on documents that are not this method's",
      fix: `refuse a body whose root element is not <${spec.requestRoot}>`,
      build: (context) =>
        wireCall(context, {
          body: validBody(context)
            .replaceAll(`<${spec.requestRoot}>`, "<xml>")
            .replaceAll(`</${spec.requestRoot}>`, "</xml>"),
        }),
    },
    {
      id: "body.not-well-formed",
      ...REFUSED,
      sends: `the valid body without its closing </${spec.requestRoot}>`,
      why: "a body cut short in transit must not be acted on, and a parser error must not become HTTP 500",
      fix: "catch the parser's error and answer failure",
      build: (context) => wireCall(context, { body: validBody(context).replace(`</${spec.requestRoot}>`, "") }),
    },
    {
      id: "body.dtd-entities",
      ...REFUSED,
      sends: "a DOCTYPE declaring nested entities (a small billion-laughs) used in the cancel reason",
      why: "entity expansion and external entities (XXE) let a caller exhaust or read the WMS; Qimen bodies never carry a DTD",
      fix: "refuse any DOCTYPE (e.g. disallow-doctype-decl in Java's parsers)",
      build: (context) =>
        wireCall(context, {
          body: validBody(context)
            .replace(XML_DECLARATION, `${XML_DECLARATION}<!DOCTYPE ${spec.requestRoot} [${entities}]>`)
            .replace(PROBE_REASON, "&c;"),
        }),
    },
  ];
}

/** Bodies whose bytes no WMS may act on: too many, or not UTF-8. */
const BYTE_PROBES: readonly ProbeEntry[] = [
  {
    id: "body.5mb",
    ...REFUSED,
    sends: `a valid body padded to ${OVERSIZE_BODY_BYTES / 1024 / 1024} MiB`,
    why: "a WMS that reads any size into memory can be exhausted; a cancel is a few KiB",
    fix: "keep at most a limit (e.g. 256 KiB) and answer failure in the envelope; read and discard the rest first, since closing while the sender still writes resets its connection",
    build: (context) => {
      const padding = Buffer.alloc(OVERSIZE_BODY_BYTES - validBody(context).length, "x");
      return wireCall(context, { body: withRawReason(context, padding) });
    },
  },
  {
    id: "body.invalid-utf8",
    ...REFUSED,
    sends: "a cancel reason holding the bytes FF FE, which UTF-8 never has",
    why: "Qimen bodies are UTF-8; a WMS that replaces bad bytes silently stores text nobody sent",
    fix: "decode the body strictly as UTF-8 and answer failure when it is not",
    build: (context) => wireCall(context, { body: withRawReason(context, Buffer.from([0xff, 0xfe])) }),
  },
  {
    id: "body.gbk-as-utf8",
    ...REFUSED,
    sends: "a cancel reason in GBK bytes (已经退货) while the body declares UTF-8",
    why: "Qimen's encoding test (编码测试): a WMS guessing the charset stores mojibake or cancels with the wrong reason",
    fix: "decode the body strictly as UTF-8 and answer failure when it is not",
    build: (context) => wireCall(context, { body: withRawReason(context, GBK_REASON) }),
  },
];

/** A valid body: the required fields plus `extra`. */
function robustCall(context: ProbeContext, extra: XmlChildren): ReturnType<typeof wireCall> {
  return wireCall(context, { body: requestDocument(context, { ...requiredContent(context), ...extra }) });
}

/** Unusual but valid values of one field, as the spec data describes it. */
function robustFieldProbes(field: FieldSpec): ProbeEntry[] {
  const probes: ProbeEntry[] = [];
  const wild = WILD_CODES.find((code) => !(field.codes ?? []).includes(code)) ?? "X";
  if (field.codes !== undefined) {
    probes.push({
      id: `robust.${field.name}-unknown-code`,
      ...READABLE,
      sends: `${field.name} ${wild}, a code outside the spec's ${field.codes.length}`,
      why: "codes outside the spec occur in the wild; a WMS must answer them in the envelope, not crash",
      fix: `accept or refuse an unknown ${field.name} with an answer in the envelope`,
      build: (context) => robustCall(context, { [field.name]: wild }),
    });
  }
  if (field.maxLength !== undefined) {
    const text = CHINESE_TEXT.repeat(Math.ceil(field.maxLength / CHINESE_TEXT.length)).slice(0, field.maxLength);
    probes.push({
      id: `robust.${field.name}-${field.maxLength}-chinese-chars`,
      ...READABLE,
      sends: `a ${field.maxLength}-character Chinese ${field.name} (its documented limit)`,
      why: "the limit is the sender's to respect: a value at the limit, in multi-byte UTF-8, must not break the WMS",
      fix: `store ${field.maxLength} characters (not bytes) of ${field.name}, or refuse in the envelope`,
      build: (context) => robustCall(context, { [field.name]: text }),
    });
  }
  if (field.type === "map") {
    probes.push({
      id: `robust.${field.name}-unknown-keys`,
      ...READABLE,
      sends: `<${field.name}> with keys the WMS cannot know`,
      why: `${field.name} is a free map: senders put their own keys in it`,
      fix: `ignore (or keep) the keys of ${field.name} you do not know`,
      build: (context) => robustCall(context, { [field.name]: { qimenPactProbe: "1", 自定义键: "值" } }),
    });
  }
  for (const item of (field.itemNames ?? []).slice(1)) {
    probes.push({
      id: `robust.${field.name}-item-${item}`,
      ...READABLE,
      sends: `<${field.name}> items named <${item}>`,
      why: `senders name the items ${(field.itemNames ?? []).join(" or ")}: receivers accept both`,
      fix: `accept <${item}> items as well as <${field.itemNames?.[0] ?? item}>`,
      build: (context) =>
        robustCall(context, { [field.name]: { [item]: { [field.itemField ?? "code"]: field.example ?? "1" } } }),
    });
  }
  return probes;
}

export function bodyProbes(spec: MethodSpec): ProbeEntry[] {
  return [
    ...spec.requestFields.filter((field) => field.required).map(missingFieldProbe),
    ...malformedBodyProbes(spec),
    ...BYTE_PROBES,
  ];
}

export function robustnessProbes(spec: MethodSpec): ProbeEntry[] {
  return [
    ...spec.requestFields.flatMap(robustFieldProbes),
    {
      id: "robust.required-only",
      ...READABLE,
      sends: "only the required fields",
      why: "real ERPs often send no more than the spec requires",
      fix: "treat every optional field as optional",
      build: (context) => robustCall(context, {}),
    },
  ];
}
