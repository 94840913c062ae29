import { QIMEN_CONTENT_TYPE } from "../protocol/system-params.js";
import { XML_DECLARATION } from "../protocol/xml-writer.js";
import type { QimenAnswer } from "./qimen-call.js";

/*
 * Ways real WMSs write the same answer, each one the official Java SDK reads (docs/protocol.md §3
 * and §6): `qimen-pact record --answer-dialects` rotates through them so an ERP whose parser is
 * stricter than the SDK fails its own tests. A dialect changes how an answer is written, never
 * what it says: the flag always, and a failure's code and message, stay as the sandbox decided
 * (a success's code may be written `0000` or left out, as real WMSs do: callers decide on the flag).
 * Never written here, because the SDK cannot read them: a byte-order mark, a quoted charset,
 * anything before the declaration, white space inside `<flag>`.
 */

export interface WrittenAnswer {
  readonly contentType: string;
  readonly body: string;
}

export interface AnswerDialect {
  readonly name: string;
  write(answer: QimenAnswer): WrittenAnswer;
}

type Field = readonly [name: string, text: string];

const MARKUP = /[&<>]/g;
const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
const escaped = (text: string): string => text.replace(MARKUP, (markup) => ENTITIES[markup] as string);
/** CDATA cannot hold `]]>`: split it across two sections, as XML writers do. */
const cdata = (text: string): string => `<![CDATA[${text.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;

const element = ([name, text]: Field, write = escaped): string => `<${name}>${write(text)}</${name}>`;
const fieldsOf = (answer: QimenAnswer): Field[] => [
  ["flag", answer.flag],
  ["code", answer.code],
  ["message", answer.message],
];
/** A success written with another code, or none: only the flag decides (docs/protocol.md §3). */
const successCode = (answer: QimenAnswer, code: string | undefined): Field[] =>
  answer.flag !== "success"
    ? fieldsOf(answer)
    : fieldsOf(answer).flatMap((field): Field[] => {
        if (field[0] !== "code") return [field];
        return code === undefined ? [] : [["code", code]];
      });

const xml = (fields: readonly Field[], root = "response"): string =>
  `<${root}>${fields.map((field) => element(field)).join("")}</response>`;
const asXml = (body: string): WrittenAnswer => ({ contentType: QIMEN_CONTENT_TYPE, body });

/** In rotation order: the N-th Qimen call of a recording gets dialect (N - 1) mod ANSWER_DIALECTS.length. */
export const ANSWER_DIALECTS: readonly AnswerDialect[] = [
  {
    // Success as `<flag>` alone; a failure keeps its code and message.
    name: "flag-only",
    write: (answer) =>
      asXml(XML_DECLARATION + xml(answer.flag === "success" ? [["flag", "success"]] : fieldsOf(answer))),
  },
  {
    // Each element on its own indented line; the flag's text itself is never touched.
    name: "pretty-printed",
    write: (answer) =>
      asXml(
        `${XML_DECLARATION}\n<response>\n${fieldsOf(answer)
          .map((field) => `  ${element(field)}\n`)
          .join("")}</response>\n`,
      ),
  },
  { name: "code-0000", write: (answer) => asXml(xml(successCode(answer, "0000"))) },
  {
    name: "extra-elements",
    write: (answer) =>
      asXml(xml([["success", String(answer.flag === "success")], ...fieldsOf(answer), ["wmsTraceId", "sandbox"]])),
  },
  {
    name: "cdata",
    write: (answer) =>
      asXml(
        `${XML_DECLARATION}<response>${fieldsOf(answer)
          .map((field) => element(field, cdata))
          .join("")}</response>`,
      ),
  },
  {
    // The order the SDK's own writer uses: code, flag, message.
    name: "alphabetical",
    write: (answer) => asXml(xml([...fieldsOf(answer)].sort(([a], [b]) => (a < b ? -1 : 1)))),
  },
  {
    name: "default-namespace",
    write: (answer) => asXml(xml(fieldsOf(answer), 'response xmlns="http://qimen.taobao.com/"')),
  },
  {
    name: "text-plain",
    write: (answer) => ({ contentType: "text/plain;charset=utf-8", body: XML_DECLARATION + xml(fieldsOf(answer)) }),
  },
];

/** The dialect of the N-th call (1 for the first). */
export function dialectOfCall(number: number): AnswerDialect {
  return ANSWER_DIALECTS[(number - 1) % ANSWER_DIALECTS.length] as AnswerDialect;
}
