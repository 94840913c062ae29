/*
 * `verify --shard K/N` on N CI machines: each verifies the K-th of N parts of the interactions and
 * writes a partial report, and `report merge` joins the parts. The split must be the same on every
 * machine and need no coordination, so it depends only on the number of interactions: part K is
 * the K-th of N contiguous runs of the interactions in contract order, sizes differing by one at
 * most.
 */

/** One of N parts, K counted from 1 as CI matrices count. */
export interface Part {
  readonly index: number;
  readonly count: number;
}

/** The half-open range [start, end) of interaction positions that part K of N holds out of `total`. */
export function partRange(part: Part, total: number): { readonly start: number; readonly end: number } {
  return {
    start: Math.floor(((part.index - 1) * total) / part.count),
    end: Math.floor((part.index * total) / part.count),
  };
}

/** Why `part` cannot be one of N parts, or undefined when it can. */
export function invalidPart(part: Part): string | undefined {
  const { index, count } = part;
  if (!Number.isSafeInteger(count) || count < 1)
    return `the number of parts must be a positive whole number, got ${count}`;
  if (!Number.isSafeInteger(index) || index < 1 || index > count) {
    return `the part must be a whole number from 1 to ${count}, got ${index}`;
  }
  return undefined;
}

const PART_SYNTAX = /^([0-9]+)\/([0-9]+)$/;

/** `K/N` as a Part, or why it is none. */
export function parsePart(text: string): Part | string {
  const match = PART_SYNTAX.exec(text);
  if (match === null) return `expected K/N, e.g. 1/4 for the first of four parts, got "${text}"`;
  const part = { index: Number(match[1]), count: Number(match[2]) };
  return invalidPart(part) ?? part;
}
