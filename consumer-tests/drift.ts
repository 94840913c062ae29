const CONTEXT_LINES = 2;
const MAX_DIFF_LINES = 200;

/**
 * Throws when the committed contract is not byte for byte what the consumer tests generate, with a
 * line diff (`-` committed, `+` generated) and how to update the committed file if the change is meant.
 */
export function assertNoDrift(committed: string, generated: string, committedPath: string): void {
  if (committed === generated) return;
  throw new Error(
    `contract drift: ${committedPath} is not what the consumer tests generate (- committed, + generated).\n` +
      `If the change is intended, rewrite it with \`npx tsx consumer-tests/generate.ts\` and commit it.\n` +
      lineDiff(committed, generated),
  );
}

type Edit = readonly [" " | "-" | "+", string];

/** A compact line diff: unchanged runs longer than the context shrink to `…`. */
export function lineDiff(before: string, after: string): string {
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const edits: Edit[] = [
    ...a.slice(Math.max(0, start - CONTEXT_LINES), start).map((line): Edit => [" ", line]),
    ...editScript(a.slice(start, endA), b.slice(start, endB)),
    ...a.slice(endA, endA + CONTEXT_LINES).map((line): Edit => [" ", line]),
  ];
  const lines = [`@@ from line ${start + 1} @@`, ...collapseUnchanged(edits)];
  const shown = lines.slice(0, MAX_DIFF_LINES);
  if (lines.length > shown.length) shown.push(`… ${lines.length - shown.length} more diff lines`);
  return shown.join("\n");
}

/** Shortest edit script by longest common subsequence; inputs are the differing middle only. */
function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  const common = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      edits.push([" ", a[i++]!]);
      j++;
    } else if (j >= b.length || (i < a.length && common[i + 1]![j]! >= common[i]![j + 1]!)) {
      edits.push(["-", a[i++]!]);
    } else {
      edits.push(["+", b[j++]!]);
    }
  }
  return edits;
}

function collapseUnchanged(edits: readonly Edit[]): string[] {
  const lines: string[] = [];
  for (let k = 0; k < edits.length; k++) {
    const [op, line] = edits[k]!;
    const nearChange = edits
      .slice(Math.max(0, k - CONTEXT_LINES), k + CONTEXT_LINES + 1)
      .some(([other]) => other !== " ");
    if (op !== " " || nearChange) lines.push(`${op} ${line}`);
    else if (lines.at(-1) !== "…") lines.push("…");
  }
  return lines;
}
