import { XMLParser } from "fast-xml-parser";
import { request, type Dispatcher } from "undici";
import type { Contract, ContractInteraction } from "../provider-verify/contracts.js";
import { toGatewayCall, type GatewaySettings } from "../provider-verify/gateway-call.js";

/*
 * The raw limit a verification is measured against: the same HTTP calls `verify` makes (each
 * provider state's setup, the call delivered as the gateway does, each teardown), sent with undici
 * over keep-alive connections, each answer decoded with fast-xml-parser and compared with the
 * contract's example: no Pact, no worker process, no report.
 */

export interface RawReplayOptions {
  readonly contracts: readonly Contract[];
  readonly gateway: GatewaySettings;
  readonly stateChangeUrl: URL;
  /** Interactions in flight at once. */
  readonly concurrency: number;
  /** Keep-alive connections to the provider (and its TLS trust); the caller closes it. */
  readonly dispatcher: Dispatcher;
}

export interface RawReplayOutcome {
  readonly replayed: number;
  /** Descriptions of the interactions whose answer differed from the contract's example. */
  readonly differing: readonly string[];
}

const parser = new XMLParser({ ignoreDeclaration: true, parseTagValue: false });

export async function rawReplay(options: RawReplayOptions): Promise<RawReplayOutcome> {
  const queue = options.contracts.flatMap((contract) => contract.interactions);
  const differing: string[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let interaction = queue[next++]; interaction !== undefined; interaction = queue[next++]) {
      if (!(await replayOne(interaction, options))) differing.push(interaction.description);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  return { replayed: queue.length, differing };
}

async function replayOne(interaction: ContractInteraction, options: RawReplayOptions): Promise<boolean> {
  const { dispatcher } = options;
  const changeStates = async (action: "setup" | "teardown"): Promise<void> => {
    for (const { name, params } of interaction.states) {
      const answer = await request(options.stateChangeUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ state: name, params, action }),
        dispatcher,
      });
      await answer.body.dump();
      if (answer.statusCode !== 200) throw new Error(`state ${action} "${name}" answered ${answer.statusCode}`);
    }
  };
  const { request: sent, response: expected } = interaction.source as {
    request: { query?: Record<string, string[]>; body?: unknown };
    response: { status: number; body?: unknown };
  };
  await changeStates("setup");
  const body = Buffer.from(bodyText(sent.body), "utf8");
  const search = new URLSearchParams(
    Object.entries(sent.query ?? {}).flatMap(([key, values]) => values.map((value): [string, string] => [key, value])),
  ).toString();
  const call = toGatewayCall({ search, body }, options.gateway, {
    now: new Date(),
    badSignature: interaction.badSignature,
  });
  const answer = await request(call.url, {
    method: "POST",
    headers: { "content-type": "text/xml;charset=utf-8" },
    body,
    dispatcher,
  });
  const actual = await answer.body.text();
  await changeStates("teardown");
  return answer.statusCode === expected.status && matches(parse(bodyText(expected.body)), parse(actual));
}

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  const { content, encoded } = (body ?? {}) as { content?: string; encoded?: unknown };
  if (content === undefined) return "";
  return encoded === "base64" ? Buffer.from(content, "base64").toString("utf8") : content;
}

function parse(xml: string): unknown {
  return parser.parse(xml) as unknown;
}

/** Every element of the example is in the answer; the `<flag>` has the example's value. */
function matches(expected: unknown, actual: unknown, name = ""): boolean {
  if (typeof expected !== "object" || expected === null) return name !== "flag" || expected === actual;
  if (typeof actual !== "object" || actual === null) return false;
  return Object.entries(expected).every(([key, value]) =>
    matches(value, (actual as Record<string, unknown>)[key], key),
  );
}
