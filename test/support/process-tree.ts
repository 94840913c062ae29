import { readdirSync, readFileSync } from "node:fs";

/*
 * Linux's /proc, read to find a process's descendants and their memory: verify runs its Pact
 * verifier in worker processes, and what they use counts as much as the parent's.
 */

/** The parent pid of each live process. */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  return parentOf;
}

/** The live descendants of `root` (children, their children, …), not `root` itself. */
export function descendants(root: number): number[] {
  const parentOf = parents();
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = [...parentOf].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** The command line of a process, its arguments joined by spaces; "" once it has ended. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** A process's resident memory in bytes, now (VmRSS) and at its peak so far (VmHWM); 0 once it has ended. */
export function residentBytes(pid: number): { readonly now: number; readonly peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kilobytes = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)?.[1] ?? 0);
    return { now: kilobytes("VmRSS") * 1024, peak: kilobytes("VmHWM") * 1024 };
  } catch {
    return { now: 0, peak: 0 };
  }
}
