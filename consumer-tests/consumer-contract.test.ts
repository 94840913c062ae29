import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ORDER_TYPE_CODES } from "../src/index.js";
import { BAD_SIGNATURE_COMMENT, isBadSignatureInteraction } from "../src/contract-conventions.js";
import { COMMITTED_CONTRACT, CONSUMER, PROVIDER, type PactFile, type PactInteraction } from "./contract.js";
import { assertNoDrift } from "./drift.js";
import { outputsLeaking, secretCanaries } from "./canary.js";
import { INTERACTIONS, stateParams } from "./interactions.js";
import { startContractRecording, type ContractRecording } from "./contract-recording.js";
import { ANSWER_CONTENT_TYPE_PATTERN, REQUEST_CONTENT_TYPE_PATTERN } from "../src/contract-conventions.js";

/*
 * One mocha run does it all, in order: each interaction is recorded in its own `it` into an empty
 * temporary directory (driving the real ERP client), the recordings are merged into the contract
 * once (see contract-recording.ts), then the contract that run wrote is checked
 * against the committed file (drift), for the secrets (canary) and for what it promises.
 */
describe(`consumer contract ${CONSUMER} → ${PROVIDER}`, function () {
  const secrets = secretCanaries();
  const clientLog: string[] = [];
  const logger = {
    info: (message: string, details: object) => void clientLog.push(message, JSON.stringify(details)),
    warn: (message: string, details: object) => void clientLog.push(message, JSON.stringify(details)),
  };
  let scratch: string;
  let recording: ContractRecording;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "qimen-pact-consumer-"));
    recording = startContractRecording(scratch);
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  describe("interactions: the real ERP client against Pact's mock server", () => {
    for (const spec of INTERACTIONS) {
      it(spec.description, async () => {
        await recording.record(spec, { ...secrets, logger });
      });
    }
  });

  describe("the contract this run wrote", () => {
    let generatedText: string;
    let generated: PactFile;

    before(async function () {
      const recorded = await recording.writeContract(scratch).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: run the whole file so every interaction is recorded first`);
      });
      generatedText = await readFile(recorded, "utf8");
      generated = JSON.parse(generatedText) as PactFile;
    });

    it("is byte-identical to the committed contracts/ file (drift check)", async () => {
      assertNoDrift(await readFile(COMMITTED_CONTRACT, "utf8"), generatedText, COMMITTED_CONTRACT);
    });

    it("drift check fails, showing the diff, when the committed file was edited", () => {
      const edited = generatedText.replace(
        "<flag>failure</flag><code>order-shipped",
        "<flag>success</flag><code>order-shipped",
      );
      expect(edited).not.to.equal(generatedText);
      expect(() => assertNoDrift(edited, generatedText, "contracts/x.json"))
        .to.throw(Error, /^contract drift: contracts\/x\.json/)
        .with.property("message")
        .that.matches(/^- .*<flag>success<\/flag><code>order-shipped/m)
        .and.matches(/^\+ .*<flag>failure<\/flag><code>order-shipped/m);
    });

    it("holds exactly the table's interactions, with their provider states and params", () => {
      const summary = (interaction: PactInteraction) => ({
        description: interaction.description,
        providerStates: interaction.providerStates,
      });
      const expected = INTERACTIONS.map((spec) => ({
        description: spec.description,
        providerStates: [{ name: spec.state.name, params: stateParams(spec) }],
      }));
      const byDescription = (a: { description: string }, b: { description: string }) =>
        a.description < b.description ? -1 : 1;
      expect({ consumer: generated.consumer, provider: generated.provider }).to.deep.equal({
        consumer: { name: CONSUMER },
        provider: { name: PROVIDER },
      });
      expect(generated.interactions.map(summary).sort(byDescription)).to.deep.equal(expected.sort(byDescription));
    });

    it("marks only the wrong-secret interaction for delivery with a bad signature", () => {
      const marked = generated.interactions.filter(isBadSignatureInteraction).map(({ description }) => description);
      expect(marked).to.deep.equal(
        INTERACTIONS.filter((spec) => spec.signedWithWrongSecret === true).map(({ description }) => description),
      );
      expect(marked).to.have.length(1);
      expect(BAD_SIGNATURE_COMMENT).to.deep.equal({ key: "qimenSignature", value: "invalid" });
    });

    it("contracts a success answer as <flag>success</flag> alone, with no rule that could loosen it", () => {
      const successes = generated.interactions.filter(({ response }) =>
        response.body?.content.includes("<flag>success</flag>"),
      );
      expect(successes).to.have.length(INTERACTIONS.filter(({ answer }) => answer.flag === "success").length);
      for (const { response } of successes) {
        expect(response.body?.content).to.equal("<?xml version='1.0'?><response><flag>success</flag></response>");
        expect(Object.keys(response.matchingRules ?? {})).to.deep.equal(["header"]);
      }
    });

    it("matches a failure's code and message by shape, except Qimen's fixed sign-check-failure", () => {
      const failureRules = generated.interactions
        .filter(({ response }) => response.body?.content.includes("<flag>failure</flag>"))
        .map(({ description, response }) => ({ description, body: bodyRules(response.matchingRules) }));
      const shape = { code: "^\\S+$", message: "^\\s*\\S[\\s\\S]*$" };
      expect(failureRules).to.deep.equal(
        INTERACTIONS.flatMap(({ description, answer }) =>
          answer.flag === "success"
            ? []
            : [
                {
                  description,
                  body: {
                    ...(answer.codeMatch === "exact" ? {} : { "$.response.code.#text": shape.code }),
                    "$.response.message.#text": shape.message,
                  },
                },
              ],
        ).sort((a, b) => (a.description < b.description ? -1 : 1)),
      );
    });

    it("matches volatile system params by shape and the fixed ones exactly", () => {
      for (const { description, request } of generated.interactions) {
        const rules = ruleRegexes(request.matchingRules, "query");
        expect({ description, rules }).to.deep.equal({
          description,
          rules: {
            app_key: "^\\S+$",
            customerId: "^\\S+$",
            sign: "^[0-9A-F]{32}$",
            timestamp: "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$",
          },
        });
        expect([
          request.query?.["method"],
          request.query?.["format"],
          request.query?.["v"],
          request.query?.["sign_method"],
        ]).to.deep.equal([["taobao.qimen.order.cancel"], ["xml"], ["2.0"], ["md5"]]);
      }
    });

    it("matches orderType against the spec's 19 codes, not one example", () => {
      const typed = generated.interactions.filter(({ request }) => request.body?.content.includes("<orderType>"));
      expect(typed).to.have.length(INTERACTIONS.filter(({ request }) => request.orderType !== undefined).length);
      for (const { request } of typed) {
        const pattern = new RegExp(bodyRules(request.matchingRules)["$.request.orderType.#text"] ?? "(?!)");
        expect(ORDER_TYPE_CODES.filter((code) => pattern.test(code))).to.deep.equal([...ORDER_TYPE_CODES]);
        expect(["PTRK", "SCCK", "jyck", "JYCK ", ""].filter((code) => pattern.test(code))).to.deep.equal([]);
      }
    });

    describe("matches Content-Type by regex, never pinned to application/xml", () => {
      /** What SpiUtils, the SDK's receiver helper, accepts (docs/protocol.md): lower-case XML types, unquoted UTF-8, empty parameters. */
      const REQUEST_SPELLINGS = [
        "text/xml",
        "application/xml",
        "text/xml;charset=utf-8",
        "application/xml;charset=UTF-8",
        "text/xml; charset=UTF-8",
        "text/xml;charset=utf8",
        "text/xml; charset=Utf-8",
        "text/xml; charset=utf-8;",
      ];
      /** What the SDK's client reads besides: any case of the type, a trailing ";" (PHP), the text types real WMSs send. */
      const ANSWER_ONLY_SPELLINGS = [
        "Text/XML;charset=UTF-8",
        "APPLICATION/XML ; CHARSET = UTF8",
        "TEXT/XML;",
        "text/plain",
        "plain/text",
        "text/plain;charset=utf-8",
        "Plain/Text; charset=UTF8",
      ];
      const NEVER = [
        'text/xml; charset="utf-8"',
        "text/xml;charset='utf-8'",
        'TEXT/PLAIN; charset="utf-8"',
        "application/json",
        "text/html",
        "text/html;charset=utf-8",
        "text/xml;charset=gbk",
        "text/plain;charset=gbk",
        "plain/text;charset=GB2312",
        "text/xml;charset=utf-16",
        "text/xml;charset=utf--8",
        'text/xml; charset="utf-8',
        "text/xml; boundary=x",
        "text/xml2",
        "text/plain2",
        "plain/textual",
      ];
      const cases = [
        {
          side: "request" as const,
          pattern: REQUEST_CONTENT_TYPE_PATTERN,
          accepted: REQUEST_SPELLINGS,
          rejected: [...ANSWER_ONLY_SPELLINGS, ...NEVER],
        },
        {
          side: "response" as const,
          pattern: ANSWER_CONTENT_TYPE_PATTERN,
          accepted: [...REQUEST_SPELLINGS, ...ANSWER_ONLY_SPELLINGS],
          rejected: NEVER,
        },
      ];
      for (const { side, pattern, accepted, rejected } of cases) {
        it(`on every ${side}: ${side === "request" ? "lower-case XML, as SpiUtils accepts it" : "XML or the text types, as the SDK reads them"}, unquoted UTF-8 only`, () => {
          const compiled = new RegExp(pattern);
          expect({
            accepted: accepted.filter((value) => compiled.test(value)),
            rejected: rejected.filter((value) => compiled.test(value)),
          }).to.deep.equal({ accepted, rejected: [] });
          expect(
            generated.interactions.map((interaction) => ruleRegexes(interaction[side].matchingRules, "header")),
          ).to.deep.equal(generated.interactions.map(() => ({ "Content-Type": pattern })));
        });
      }
    });

    it("contains none of the ERP's secrets, nor does anything the client logged (canary)", () => {
      expect(clientLog).not.to.deep.equal([]);
      expect(outputsLeaking({ contract: generatedText, "client log": clientLog.join("\n") }, secrets)).to.deep.equal(
        [],
      );
    });
  });
});

type RulesByPart = Readonly<Record<string, unknown>> | undefined;
interface RuleSet {
  readonly matchers: readonly { readonly match: string; readonly regex?: string }[];
}

/** `{ name: regex }` of one part's rules; fails on any rule that is not a single regex. */
function ruleRegexes(rules: RulesByPart, part: "query" | "header" | "body"): Record<string, string> {
  const byName = (rules?.[part] ?? {}) as Readonly<Record<string, RuleSet>>;
  return Object.fromEntries(
    Object.entries(byName).map(([name, { matchers }]) => {
      expect(
        matchers.map(({ match }) => match),
        `${part} rule for ${name}`,
      ).to.deep.equal(["regex"]);
      return [name, matchers[0]?.regex ?? ""];
    }),
  );
}

function bodyRules(rules: RulesByPart): Record<string, string> {
  return ruleRegexes(rules, "body");
}
