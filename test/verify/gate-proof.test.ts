import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { loadContracts, type Contract } from "../../provider-verify/contracts.js";
import { consoleResult } from "../../provider-verify/reports.js";
import { MAX_ANSWER_BYTES } from "../../provider-verify/transport.js";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { gzipBomb } from "../support/gzip-bomb.js";
import { DESCRIPTIONS } from "./fixtures.js";
import { only, reasonsByInteraction, verifyVariant } from "./gate-runs.js";
import { GBK_ORDER_SHIPPED, rewriteXml, xmlAnswer, type WmsVariant } from "./wms-variants.js";

/*
 * The proof that the gate is worth running: against deliberately broken WMSs it fails, each time
 * for the right reason, and against harmless variations of real WMSs it passes. Each variant runs
 * only the interactions that show its difference, to keep the suite fast.
 */

const { NEW, DELIVERED, CANCELED, EVERY_FIELD, WRONG_SIGN } = DESCRIPTIONS;
const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

interface BrokenCase {
  readonly variant: WmsVariant;
  readonly run: readonly string[];
  /** For each interaction run: its failure reasons as `kind @ where` (sorted), or [] when it must pass. */
  readonly expected: Readonly<Record<string, readonly string[]>>;
  /** Must appear in the report of the failing interaction: the right reason, in words. */
  readonly because: RegExp;
}

const FLAG_MISMATCH = "contract-mismatch @ body response/flag (text)";
const CLIENT_REJECTS = "client-rejects @ ERP client";
const MISSING_DETAIL = "missing-detail @ ERP client";
const CONTENT_TYPE_MISMATCH = "contract-mismatch @ header Content-Type";
const NOT_DELIVERED = "not-delivered @ provider";

/** `<response>` holding `<flag>success</flag>` and elements nested until the document is `depth` deep. */
function nestedSuccess(depth: number): string {
  const inner = depth - 1;
  return `${XML_DECLARATION}<response><flag>success</flag>${"<a>".repeat(inner)}x${"</a>".repeat(inner)}</response>`;
}

/** 1 MB inflating to 1 GiB (see gzip-bomb.ts), made before the tests run. */
let GZIP_BOMB: Buffer = Buffer.alloc(0);

const BROKEN: readonly BrokenCase[] = [
  {
    variant: {
      name: "answers a wrong flag value",
      alterAnswer: rewriteXml((xml) => xml.replace("<flag>success", "<flag>ok")),
    },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS, FLAG_MISMATCH] },
    because: /response\/flag \(text\): expected "success", got "ok"/,
  },
  {
    variant: {
      name: "answers the flag in upper case",
      alterAnswer: rewriteXml((xml) => xml.replace("<flag>success", "<flag>SUCCESS")),
    },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS, FLAG_MISMATCH] },
    because: /expected "success", got "SUCCESS"/,
  },
  {
    variant: { name: "answers without <flag>", alterAnswer: rewriteXml((xml) => xml.replace(/<flag>\w+<\/flag>/, "")) },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS, "contract-mismatch @ body response"] },
    because: /Expected child <flag\/> but was missing/,
  },
  {
    variant: {
      name: "answers with root <result>",
      alterAnswer: rewriteXml((xml) => xml.replaceAll("response>", "result>")),
    },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS, "contract-mismatch @ body response"] },
    because: /body response: expected "response", got "result"/,
  },
  {
    variant: { name: "answers HTTP 500", alterAnswer: (answer) => ({ ...answer, status: 500 }) },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS, "contract-mismatch @ HTTP status"] },
    because: /HTTP status: expected 200, got 500/,
  },
  {
    variant: {
      name: "answers JSON instead of XML",
      alterAnswer: () => ({
        status: 200,
        contentType: "application/json",
        body: Buffer.from('{"flag":"success","code":"0"}'),
      }),
    },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS, "contract-mismatch @ body", "contract-mismatch @ header Content-Type"] },
    because: /expected a body of type application\/xml, got application\/json/,
  },
  {
    variant: { name: "ignores the signature", sandbox: { verifySignatures: false } },
    run: [WRONG_SIGN],
    expected: { [WRONG_SIGN]: ["contract-mismatch @ body response/code (text)", FLAG_MISMATCH] },
    because: /response\/flag \(text\): expected "failure", got "success"/,
  },
  {
    variant: {
      name: "answers success for a DELIVERED order",
      alterAnswer: (answer, call) =>
        call.orderStatus === "DELIVERED"
          ? xmlAnswer(`${XML_DECLARATION}<response><flag>success</flag><code>0</code></response>`)
          : answer,
    },
    run: [DELIVERED],
    expected: { [DELIVERED]: ["contract-mismatch @ body response", FLAG_MISMATCH] },
    because: /expected "failure", got "success"/,
  },
  {
    variant: {
      name: "answers failure for a repeated cancel",
      alterAnswer: (answer, call) =>
        call.orderStatus === "CANCELED"
          ? xmlAnswer(
              `${XML_DECLARATION}<response><flag>failure</flag><code>-1</code><message>already cancelled</message></response>`,
            )
          : answer,
    },
    run: [CANCELED],
    expected: { [CANCELED]: [FLAG_MISMATCH] },
    because: /expected "success", got "failure"/,
  },
  {
    // A WMS that decodes the body with the wrong charset signs other bytes than were sent: every
    // call with Chinese text fails its signature check, ASCII-only calls pass.
    variant: {
      name: "mangles Chinese text (reads the UTF-8 body as Latin-1)",
      alterCall: (body) => Buffer.from(body.toString("latin1"), "utf8"),
    },
    run: [NEW, EVERY_FIELD],
    expected: { [NEW]: [], [EVERY_FIELD]: [FLAG_MISMATCH, "signature-refused @ provider"] },
    because: /the WMS refused the signature \(sign-check-failure\)/,
  },
  {
    variant: {
      name: "mangles Chinese text (answers GBK bytes declared as UTF-8)",
      alterAnswer: (answer, call) =>
        call.orderStatus === "DELIVERED"
          ? {
              ...answer,
              body: Buffer.concat([
                Buffer.from(`${XML_DECLARATION}<response><flag>failure</flag><code>order-shipped</code><message>`),
                GBK_ORDER_SHIPPED,
                Buffer.from("</message></response>"),
              ]),
            }
          : answer,
    },
    run: [DELIVERED],
    expected: { [DELIVERED]: [CLIENT_REJECTS, "contract-mismatch @ body (document)"] },
    because: /not valid UTF-8/,
  },
  {
    // Pact's XML matcher accepts this; the ERP client does not: the second opinion catches it.
    variant: {
      name: "answers a duplicated <flag>",
      alterAnswer: rewriteXml((xml) => xml.replace("<flag>success</flag>", "<flag>success</flag><flag>success</flag>")),
    },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS] },
    because: /contains <flag> more than once/,
  },
  {
    // Pact's regexes accept the text "null"; the ERP client reads it as absent and shows nothing.
    variant: {
      name: "answers a failure whose code and message are the literal null",
      alterAnswer: (answer, call) =>
        call.orderStatus === "DELIVERED"
          ? xmlAnswer(
              `${XML_DECLARATION}<response><flag>failure</flag><code>null</code><message>null</message></response>`,
            )
          : answer,
    },
    run: [DELIVERED],
    expected: { [DELIVERED]: [MISSING_DETAIL, MISSING_DETAIL] },
    because: /ERP client: would show no code: .*\n.*ERP client: would show no message: /,
  },
  {
    // Alone in its Pact run, so no other interaction's marker keeps a followed redirect apart.
    variant: {
      name: "redirects the call elsewhere (302)",
      alterAnswer: (answer, call) =>
        call.orderStatus === "DELIVERED"
          ? { status: 302, contentType: "text/plain", body: Buffer.alloc(0), headers: { location: "/elsewhere" } }
          : answer,
    },
    run: [DELIVERED],
    expected: {
      // Its text/plain is a Content-Type the contract accepts; its empty body is no XML document.
      [DELIVERED]: [CLIENT_REJECTS, "contract-mismatch @ HTTP status", "contract-mismatch @ body (document)"],
    },
    because: /HTTP status: expected 200, got 302/,
  },
  {
    variant: {
      name: "declares its answers HTML or GBK",
      alterAnswer: (answer, call) =>
        call.orderStatus === undefined
          ? answer
          : { ...answer, contentType: call.orderStatus === "NEW" ? "text/html;charset=utf-8" : "text/xml;charset=gbk" },
    },
    run: [NEW, DELIVERED],
    expected: {
      [NEW]: ["contract-mismatch @ body", CONTENT_TYPE_MISMATCH],
      [DELIVERED]: ["content-type @ header Content-Type"],
    },
    because:
      /header Content-Type: Content-Type "text\/html" is not a type a Qimen ERP expects: send text\/xml, [\s\S]*header Content-Type: Qimen does not allow this answer: its Content-Type says charset=gbk/,
  },
  {
    // Pact's XML matcher takes time quadratic in the depth: it is shown an empty stand-in, and the
    // ERP client's refusal (the document nests deeper than it reads) is the verdict.
    variant: { name: "answers 30 000 nested elements", alterAnswer: () => xmlAnswer(nestedSuccess(30_000)) },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS] },
    because:
      /ERP client: would reject this answer: .*XML body nests elements deeper than 16 levels[\s\S]*note: the answer's body was not shown to Pact's matcher/,
  },
  {
    // Refused as malformed before its depth is looked at: withheld from Pact all the same.
    variant: {
      name: "answers 30 000 nested elements with text after the root",
      alterAnswer: () => xmlAnswer(`${nestedSuccess(30_000)}trailing`),
    },
    run: [NEW],
    expected: { [NEW]: [CLIENT_REJECTS] },
    because: /ERP client: would reject this answer: [\s\S]*note: the answer's body was not shown to Pact's matcher/,
  },
  {
    variant: {
      name: "answers a gzip bomb (1 MB inflating to 1 GiB)",
      alterAnswer: (answer) => ({ ...answer, headers: { "content-encoding": "gzip" }, body: GZIP_BOMB }),
    },
    run: [NEW],
    expected: { [NEW]: [NOT_DELIVERED] },
    because: new RegExp(`inflate to more than ${MAX_ANSWER_BYTES} bytes, so it was not inflated further`),
  },
  {
    variant: {
      name: "answers Content-Encoding: br, which the SDK cannot read",
      alterAnswer: (answer) => ({ ...answer, headers: { "content-encoding": "br" } }),
    },
    run: [NEW],
    expected: { [NEW]: [NOT_DELIVERED] },
    because: /Content-Encoding: br, which verify did not ask for .* cannot read: it decodes gzip alone/,
  },
];

interface HarmlessCase {
  readonly variant: WmsVariant;
  /** Prove the variation was served: each matched against the answers as the report shows them. */
  readonly shows: readonly RegExp[];
  /** Notes the report must carry, per interaction. */
  readonly notes?: readonly string[];
  /** The interactions to run. Default HARMLESS_RUN. */
  readonly run?: readonly string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The interaction of the committed contract whose order is set up in each status, in contract order. */
const INTERACTION_BY_STATUS = { NEW, DELIVERED, ACCEPT: EVERY_FIELD, CANCELED } as const;
type OrderStatus = keyof typeof INTERACTION_BY_STATUS;

/**
 * A WMS that answers the interactions whose order it set up in a status with that status's
 * Content-Type spelling, run on just those interactions, and the proof each spelling was served.
 * The official SDK reads each of them, so none of these may fail a WMS.
 */
function answersContentTypes(name: string, byStatus: Readonly<Partial<Record<OrderStatus, string>>>): HarmlessCase {
  const spellings = new Map(Object.entries(byStatus));
  return {
    variant: {
      name,
      alterAnswer: (answer, call) => ({
        ...answer,
        contentType: spellings.get(call.orderStatus ?? "") ?? answer.contentType,
      }),
    },
    shows: [...spellings.values()].map((spelling) => new RegExp(`^${escapeRegExp(spelling)} <`, "m")),
    run: Object.entries(INTERACTION_BY_STATUS)
      .filter(([status]) => spellings.has(status))
      .map(([, description]) => description),
  };
}

const HARMLESS: readonly HarmlessCase[] = [
  {
    variant: {
      name: "pretty-prints its XML",
      alterAnswer: rewriteXml((xml) =>
        xml
          .replace("?><response>", "?>\n<response>")
          .replace(/<(flag|code|message)>/g, "\n  <$1>")
          .replace("</response>", "\n</response>\n"),
      ),
    },
    shows: [/<response>\n {2}<flag>success<\/flag>\n {2}<code>/],
  },
  {
    variant: {
      name: "adds elements of its own",
      alterAnswer: rewriteXml((xml) =>
        xml.replace("</response>", "<traceId>T-1</traceId><items><item>1</item></items></response>"),
      ),
    },
    shows: [/<traceId>T-1<\/traceId><items>/],
  },
  {
    variant: {
      name: "answers success with code 0000",
      alterAnswer: rewriteXml((xml) => xml.replace("<code>0</code>", "<code>0000</code>")),
    },
    shows: [/<flag>success<\/flag><code>0000<\/code>/],
  },
  {
    variant: {
      name: 'declares standalone="yes"',
      alterAnswer: rewriteXml((xml) =>
        xml.replace(XML_DECLARATION, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'),
      ),
    },
    shows: [/standalone="yes"\?><response>/],
  },
  {
    variant: {
      name: "answers application/xml",
      alterAnswer: (answer) => ({ ...answer, contentType: "application/xml;charset=UTF-8" }),
    },
    shows: [/^application\/xml;charset=UTF-8 /m],
  },
  {
    variant: {
      name: "answers success with only <flag>",
      alterAnswer: rewriteXml((xml) =>
        xml.includes("<flag>success</flag>") ? `${XML_DECLARATION}<response><flag>success</flag></response>` : xml,
      ),
    },
    shows: [/<response><flag>success<\/flag><\/response>$/m],
  },
  {
    // The ERP client ignores XML namespaces; Pact's matcher alone would name the root "{ns}:response".
    variant: {
      name: "declares a default namespace on its root",
      alterAnswer: rewriteXml((xml) => xml.replace("<response>", '<response xmlns="http://qimen.taobao.com/">')),
    },
    shows: [/<response xmlns="http:\/\/qimen\.taobao\.com\/"><flag>/],
    notes: [
      "the answer's root declares a default XML namespace (xmlns), which the ERP client ignores: Pact matched the document without it",
    ],
  },
  answersContentTypes("spells its XML Content-Type in other cases or without the dash", {
    NEW: "text/xml;charset=utf8",
    DELIVERED: "text/xml; charset=Utf-8",
    CANCELED: "Text/XML;charset=UTF-8",
  }),
  {
    // The official SDK asks for gzip and inflates it (docs/protocol.md): the report shows it inflated.
    variant: {
      name: "gzip-compresses its answers",
      alterAnswer: (answer) => ({ ...answer, headers: { "content-encoding": "gzip" }, body: gzipSync(answer.body) }),
    },
    shows: [/<response><flag>success<\/flag>/, /<response><flag>failure<\/flag>/],
    notes: [
      "the answer came gzip-compressed (Content-Encoding: gzip, which the official Qimen Java SDK asks for and inflates): it was judged inflated",
    ],
  },
  {
    // The deepest document the ERP client reads: Pact is shown all of it.
    variant: {
      name: "nests its own elements 16 deep",
      alterAnswer: rewriteXml((xml) => (xml.includes("<flag>success</flag>") ? nestedSuccess(16) : xml)),
    },
    shows: [/<flag>success<\/flag>(<a>){15}x(<\/a>){15}<\/response>/],
  },
  {
    // Pact's core reads at most 100 header lines; the SDK reads any number. Pact checks only Content-Type.
    variant: {
      name: "answers with 2 000 header lines",
      alterAnswer: (answer) => ({
        ...answer,
        headers: Object.fromEntries(Array.from({ length: 2_000 }, (_, line) => [`x-trace-${line}`, "1"])),
      }),
    },
    shows: [/<flag>success<\/flag>/],
  },
  // docs/protocol.md, §3 "The answer": real WMSs send odd Content-Types such as plain/text.
  answersContentTypes("declares its XML answers plain/text or text/plain", {
    NEW: "plain/text",
    DELIVERED: "text/plain;charset=utf-8",
  }),
];

/** One success and one failure answer: what every harmless variation must leave intact. */
const HARMLESS_RUN = [NEW, DELIVERED];

describe("verify: proof that the gate fails broken WMSs and passes harmless ones", () => {
  let contracts: Contract[];
  before(async () => {
    contracts = await loadContracts([COMMITTED_CONTRACT]);
    GZIP_BOMB = await gzipBomb();
  });

  describe("a broken WMS fails, for the right reason", () => {
    for (const { variant, run, expected, because } of BROKEN) {
      it(`that ${variant.name}`, async () => {
        const results = await verifyVariant(variant, only(contracts, run));
        expect(reasonsByInteraction(results)).to.deep.equal(expected);
        const failed = results
          .filter((result) => result.verdict === "failed")
          .map(consoleResult)
          .join("");
        expect(failed).to.match(because);
      });
    }
  });

  describe("a harmless variation passes", () => {
    for (const { variant, shows, notes = [], run = HARMLESS_RUN } of HARMLESS) {
      it(`a WMS that ${variant.name}`, async () => {
        const results = await verifyVariant(variant, only(contracts, run));
        const answers = results.map(({ response }) => `${response?.contentType} ${response?.bodyExcerpt}`).join("\n");
        for (const shown of shows) expect(answers).to.match(shown);
        expect(
          results.map(({ description, verdict, reasons, notes: said }) => ({
            description,
            verdict,
            reasons,
            notes: said,
          })),
        ).to.deep.equal(run.map((description) => ({ description, verdict: "passed", reasons: [], notes })));
      });
    }
  });
});
