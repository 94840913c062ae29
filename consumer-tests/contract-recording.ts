import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { CONTRACT_FILE_NAME } from "./contract.js";
import type { InteractionSpec } from "./interactions.js";
import { createContractPact, recordInteraction, type PactLogLevel, type RecordOptions } from "./record-interaction.js";

/**
 * Records a contract in time linear in its size. Pact V4 merges every passing test into the pact
 * file and rewrites the whole file, so a suite of n interactions writes O(n²) bytes (200
 * interactions: ~80% of the suite's time). Here each interaction is written to a pact file of its
 * own and the files are merged once, exactly as Pact's repeated merging would have left them:
 * the contract is byte-identical to a plain run's (consumer-tests/contract-recording.test.ts).
 */
export interface ContractRecording {
  /** Records one interaction (see recordInteraction) into a pact file of its own. */
  record(spec: InteractionSpec, options: RecordOptions): Promise<void>;
  /** Merges every interaction recorded so far into `{dir}/qimen-erp-qimen-wms.json`; resolves with its path. */
  writeContract(dir: string): Promise<string>;
}

/** A recording whose per-interaction pact files live under `scratch` (the caller creates and removes it). */
export function startContractRecording(scratch: string, logLevel?: PactLogLevel): ContractRecording {
  const recorded: string[] = [];
  let started = 0;
  return {
    async record(spec, options) {
      const dir = join(scratch, "interactions", String(started++));
      await recordInteraction(createContractPact(dir, logLevel), spec, options);
      // Only a passing test is written by Pact, so only those take part in the merge.
      recorded.push(join(dir, CONTRACT_FILE_NAME));
    },
    async writeContract(dir) {
      if (recorded.length === 0) throw new Error("no interaction was recorded, so there is no contract to write");
      const merged = mergeRecordedPacts(await Promise.all(recorded.map((file) => readFile(file, "utf8"))));
      await mkdir(dir, { recursive: true });
      const target = join(dir, CONTRACT_FILE_NAME);
      await writeFile(target, merged);
      return target;
    },
  };
}

/*
 * Pact (pact_models' V4Pact) pretty-prints a pact with the top-level keys in this order, so the
 * interactions array sits between these two markers, which cannot occur deeper in the file.
 */
const INTERACTIONS_OPEN = '\n  "interactions": [\n';
const INTERACTIONS_CLOSE = '\n  ],\n  "metadata": ';
const INTERACTION_SEPARATOR = ",\n";

interface RecordedInteraction {
  /** The interaction's text exactly as Pact wrote it, indentation included. */
  readonly text: string;
  readonly description: string;
  readonly stateNames: readonly string[];
  readonly type: string;
}

/**
 * The pact file Pact itself writes when the given single-interaction pact files (in recording
 * order) are merged into one after the other. The interactions' text is copied, never
 * re-serialised, so nothing Pact wrote can change. Pact's merge keeps one interaction per
 * (description, provider state names, type), the later one winning, and orders them by that
 * triple, comparing strings as Rust does (by UTF-8 bytes).
 */
export function mergeRecordedPacts(files: readonly string[]): string {
  const split = files.map((text, index) => splitPactFile(text, `recorded pact file ${index + 1}`));
  const [first] = split;
  if (first === undefined) throw new RangeError("mergeRecordedPacts needs at least one pact file");
  const mismatch = split.findIndex(({ head, tail }) => head !== first.head || tail !== first.tail);
  if (mismatch !== -1) {
    throw new Error(
      `recorded pact file ${mismatch + 1} names other pacticipants or metadata than file 1: they cannot be one contract`,
    );
  }
  // A stable sort keeps equal interactions in recording order, so the last of each run is the latest.
  const sorted = split.map(({ interaction }) => interaction).sort(comparePactOrder);
  const ordered = sorted.filter((interaction, index) => {
    const next = sorted[index + 1];
    return next === undefined || comparePactOrder(interaction, next) !== 0;
  });
  return first.head + ordered.map(({ text }) => text).join(INTERACTION_SEPARATOR) + first.tail;
}

function splitPactFile(text: string, source: string) {
  const { interactions } = JSON.parse(text) as { interactions?: unknown[] };
  const open = text.indexOf(INTERACTIONS_OPEN) + INTERACTIONS_OPEN.length;
  const close = text.indexOf(INTERACTIONS_CLOSE);
  // Guards the text copy: the slice must be the file's one interaction, nothing more or less.
  const interactionText = interactions?.length === 1 && open < close ? text.slice(open, close) : undefined;
  const parsed = parseOr(interactionText);
  if (interactionText === undefined || parsed === undefined || !isDeepStrictEqual(parsed, interactions?.[0])) {
    throw new Error(`${source} is not the one-interaction pact file Pact writes, so it cannot be merged as text`);
  }
  return {
    head: text.slice(0, open),
    tail: text.slice(close),
    interaction: identify(parsed, interactionText, source),
  };
}

function parseOr(text: string | undefined): Record<string, unknown> | undefined {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

function identify(interaction: Record<string, unknown>, text: string, source: string): RecordedInteraction {
  const { description, type, providerStates } = interaction as {
    description?: unknown;
    type?: unknown;
    providerStates?: readonly { readonly name?: unknown }[];
  };
  const stateNames = (providerStates ?? []).map(({ name }) => name);
  if (typeof description !== "string" || typeof type !== "string" || stateNames.length === 0) {
    // Pact orders an interaction without provider states inconsistently against one with them.
    throw new Error(`${source}: every interaction needs a description, a type and a provider state`);
  }
  if (!stateNames.every((name): name is string => typeof name === "string")) {
    throw new Error(`${source}: every provider state needs a name`);
  }
  return { text, description, stateNames, type };
}

/** pact_models' V4 merge order (interactions without keys, as pact files hold them). */
function comparePactOrder(a: RecordedInteraction, b: RecordedInteraction): number {
  return (
    compareUtf8(a.description, b.description) || compareLists(a.stateNames, b.stateNames) || compareUtf8(a.type, b.type)
  );
}

function compareLists(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const order = compareUtf8(a[index] ?? "", b[index] ?? "");
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** Rust's string order: by UTF-8 bytes, which differs from JavaScript's UTF-16 order past U+FFFF. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
