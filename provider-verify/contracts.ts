import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { QimenError } from "../src/protocol/errors.js";
import type { ResponseFlag } from "../src/protocol/model.js";
import { decodeResponse, type DecodedResponse } from "../src/protocol/response-codec.js";
import { ORDER_CANCEL_NAMES } from "../src/protocol/system-params.js";
import { isBadSignatureInteraction } from "../src/contract-conventions.js";

/** Fields besides `<flag>` an answer can carry, which the ERP shows its user. */
export type AnswerDetail = "code" | "message";

export interface ProviderState {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface ContractInteraction {
  /** The contract file it comes from, as given. */
  readonly contract: string;
  readonly consumer: string;
  readonly provider: string;
  readonly description: string;
  readonly states: readonly ProviderState[];
  /** Delivered with a deliberately wrong signature (see BAD_SIGNATURE_COMMENT). */
  readonly badSignature: boolean;
  /** `<flag>` of the contract's example response, when it has a readable one. */
  readonly expectedFlag?: ResponseFlag;
  /**
   * The details a failure example carries (its `<code>`, its `<message>`): the ERP shows them, so
   * the answer must carry them too, non-blank. Absent for a success or an unreadable example.
   */
  readonly expectedDetails?: readonly AnswerDetail[];
  /** The interaction exactly as the file holds it, for handing to Pact. */
  readonly source: Readonly<Record<string, unknown>>;
}

export interface Contract {
  readonly path: string;
  readonly consumer: string;
  readonly provider: string;
  readonly interactions: readonly ContractInteraction[];
  /** The file's top level, for writing a one-interaction copy Pact can read. */
  readonly source: Readonly<Record<string, unknown>>;
}

const HTTP_INTERACTION_TYPE = "Synchronous/HTTP";

/**
 * What a Pact Broker adds to a pact it serves, which changes while the pact does not: its HAL
 * links (`pb:consumer-version` names the latest version that published the same content) and
 * when it was first published.
 */
const BROKER_ADDED = new Set(["_links", "_embedded", "createdAt"]);

/**
 * SHA-256 (hex) of a contract's content, whatever its path, formatting or the broker's links: the
 * same contract gives the same digest on every machine and after an identical republish.
 */
export function contractDigest(contract: Contract): string {
  const content = Object.fromEntries(Object.entries(contract.source).filter(([key]) => !BROKER_ADDED.has(key)));
  return createHash("sha256").update(JSON.stringify(content)).digest("hex");
}

/**
 * Reads Pact files (V2 to V4, HTTP interactions) from files and directories (every `*.json` in a
 * directory, not recursive, in name order). Throws a QimenError QIMEN_CONTRACT_INVALID naming the
 * file and what is wrong with it: a gate must not run on a contract it cannot read in full.
 */
export async function loadContracts(paths: readonly string[]): Promise<Contract[]> {
  if (paths.length === 0) throw invalid("no contract given: pass a contract file or a directory of them", {});
  const files: string[] = [];
  for (const path of paths) files.push(...(await contractFilesAt(path)));
  const contracts: Contract[] = [];
  for (const file of files) contracts.push(parseContract(file, await readText(file)));
  return contracts;
}

async function contractFilesAt(path: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (cause) {
    throw invalid(
      `cannot read contract ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
      { path },
      cause,
    );
  }
  if (!isDirectory) return [path];
  const names = (await readdir(path)).filter((name) => name.endsWith(".json")).sort();
  if (names.length === 0) throw invalid(`no *.json contract in directory ${path}`, { path });
  return names.map((name) => join(path, name));
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (cause) {
    throw invalid(
      `cannot read contract ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
      { path: file },
      cause,
    );
  }
}

/** Parses one Pact file's text; `path` only names it in errors and results. */
export function parseContract(path: string, text: string): Contract {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw invalid(`contract ${path} is not JSON: ${(cause as Error).message}`, { path }, cause);
  }
  if (!isRecord(parsed)) throw invalid(`contract ${path} is not a Pact file: its top level is not an object`, { path });
  const consumer = participantName(parsed, "consumer", path);
  const provider = participantName(parsed, "provider", path);
  const interactions = parsed["interactions"];
  if (!Array.isArray(interactions) || interactions.length === 0) {
    throw invalid(`contract ${path} has no interactions: regenerate it with the consumer tests`, { path });
  }
  return {
    path,
    consumer,
    provider,
    source: parsed,
    interactions: interactions.map((interaction, index) =>
      parseInteraction(interaction, { path, index, consumer, provider }),
    ),
  };
}

function participantName(pact: Record<string, unknown>, role: "consumer" | "provider", path: string): string {
  const participant = pact[role];
  const name = isRecord(participant) ? participant["name"] : undefined;
  if (typeof name !== "string" || name === "") {
    throw invalid(`contract ${path} is not a Pact file: it has no ${role}.name`, { path, field: `${role}.name` });
  }
  return name;
}

interface Where {
  readonly path: string;
  readonly index: number;
  readonly consumer: string;
  readonly provider: string;
}

function parseInteraction(raw: unknown, where: Where): ContractInteraction {
  const at = `contract ${where.path}, interaction ${where.index + 1}`;
  const context = { path: where.path, interaction: where.index + 1 };
  if (!isRecord(raw)) throw invalid(`${at} is not an object`, context);
  const description = raw["description"];
  if (typeof description !== "string" || description.trim() === "") {
    throw invalid(`${at} has no description`, context);
  }
  const type = raw["type"];
  if (type !== undefined && type !== HTTP_INTERACTION_TYPE) {
    throw invalid(
      `${at} ("${description}") is a ${JSON.stringify(type)} interaction: only ${HTTP_INTERACTION_TYPE} can be verified`,
      context,
    );
  }
  const request = raw["request"];
  const response = raw["response"];
  if (!isRecord(request) || typeof request["method"] !== "string" || typeof request["path"] !== "string") {
    throw invalid(`${at} ("${description}") has no request with a method and a path`, context);
  }
  if (!isRecord(response) || typeof response["status"] !== "number") {
    throw invalid(`${at} ("${description}") has no response with a status`, context);
  }
  const example = exampleAnswerOf(response["body"]);
  const details = example?.flag === "failure" ? DETAILS.filter((detail) => example[detail] !== undefined) : [];
  return {
    contract: where.path,
    consumer: where.consumer,
    provider: where.provider,
    description,
    states: statesOf(raw, `${at} ("${description}")`, context),
    badSignature: isBadSignatureInteraction(raw),
    ...(example === undefined ? {} : { expectedFlag: example.flag }),
    ...(details.length === 0 ? {} : { expectedDetails: details }),
    source: raw,
  };
}

const DETAILS: readonly AnswerDetail[] = ["code", "message"];

/** V3/V4 `providerStates: [{name, params}]`, or V2's single `providerState` string. */
function statesOf(raw: Record<string, unknown>, at: string, context: Record<string, unknown>): ProviderState[] {
  const states = raw["providerStates"];
  const legacy = raw["providerState"];
  if (states === undefined) return typeof legacy === "string" && legacy !== "" ? [{ name: legacy, params: {} }] : [];
  if (!Array.isArray(states)) throw invalid(`${at}: providerStates is not a list`, context);
  return states.map((state): ProviderState => {
    const name = isRecord(state) ? state["name"] : undefined;
    const params = isRecord(state) ? (state["params"] ?? {}) : undefined;
    if (typeof name !== "string" || name === "" || !isRecord(params)) {
      throw invalid(`${at}: every provider state needs a name and, if any, an object of params`, context);
    }
    return { name, params };
  });
}

/** An example response body as the ERP client reads it, V4 (`{content, encoded}`) or V2/V3 (a string). */
function exampleAnswerOf(body: unknown): DecodedResponse | undefined {
  const content = isRecord(body)
    ? typeof body["content"] === "string"
      ? body["encoded"] === "base64"
        ? Buffer.from(body["content"], "base64")
        : body["content"]
      : undefined
    : typeof body === "string"
      ? body
      : undefined;
  if (content === undefined) return undefined;
  try {
    return decodeResponse(content);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(message: string, context: Record<string, unknown>, cause?: unknown): QimenError {
  return new QimenError("QIMEN_CONTRACT_INVALID", message, { context, ...(cause === undefined ? {} : { cause }) });
}

/** Names of the provider states the contracts need, sorted, each once. */
export function requiredStates(contracts: readonly Contract[]): string[] {
  const names = contracts.flatMap((contract) => contract.interactions.flatMap((i) => i.states.map((s) => s.name)));
  return [...new Set(names)].sort();
}

/**
 * Throws QIMEN_CONTRACT_INVALID naming the first interaction that is no Qimen order.cancel call
 * and why: a pact from a broker may be any provider's, and verifying a REST or JSON pact against a
 * WMS would only produce failures that say nothing about the WMS.
 */
export function assertQimenContract(contract: Contract): void {
  contract.interactions.forEach((interaction, index) => {
    const why = notQimenReason(interaction);
    if (why === undefined) return;
    throw invalid(
      `contract ${contract.path}, interaction ${index + 1} ("${interaction.description}") is not a Qimen order.cancel call: ${why}`,
      { path: contract.path, interaction: index + 1 },
    );
  });
}

function notQimenReason(interaction: ContractInteraction): string | undefined {
  const request = interaction.source["request"] as Record<string, unknown>;
  if (String(request["method"]).toUpperCase() !== "POST") {
    return `its request is ${String(request["method"])}, but the gateway delivers a POST`;
  }
  const methods = queryValues(request["query"], "method");
  if (!methods.some((method) => ORDER_CANCEL_NAMES.has(method))) {
    return `its request's query has ${methods.length === 0 ? "no method" : `method=${methods.join(",")}`}, not ${[...ORDER_CANCEL_NAMES].join(" or ")}`;
  }
  if (interaction.expectedFlag === undefined) {
    return "its example response is no Qimen <response> with a <flag>";
  }
  return undefined;
}

/** A query parameter's values, from V4/V3's object of lists (or strings) or V2's query string. */
function queryValues(query: unknown, name: string): string[] {
  if (typeof query === "string") return new URLSearchParams(query).getAll(name);
  if (!isRecord(query)) return [];
  const value = query[name];
  return (Array.isArray(value) ? value : [value]).filter((one): one is string => typeof one === "string");
}
