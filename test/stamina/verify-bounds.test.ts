import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { COMMITTED_CONTRACT } from "../../consumer-tests/contract.js";
import { loadContracts } from "../../provider-verify/contracts.js";
import type { VerificationReport } from "../../provider-verify/results.js";
import { MAX_ANSWER_BYTES } from "../../provider-verify/transport.js";
import { INTERACTION_SLACK_MS, SHARD_SLACK_MS } from "../../provider-verify/worker-pool.js";
import { SANDBOX_APP_KEY, SANDBOX_SECRET } from "../../src/wms/sandbox.js";
import { spawnCli } from "../support/cli-process.js";
import { gzipBomb } from "../support/gzip-bomb.js";
import { descendants, residentBytes } from "../support/process-tree.js";
import { startVariant, xmlAnswer, type WireAnswer } from "../verify/wms-variants.js";

/*
 * Bounded resources, measured: `qimen-pact verify` as a real process, against a WMS whose every
 * answer is hostile. Before the bounds, a gzip bomb took the verifier to 1.2 GB of memory (Pact's
 * core inflated it) and 100 000 nested elements kept it busy for minutes (Pact's matcher is
 * quadratic in depth). The process tree's peak memory and the run's duration must stay within
 * bounds, and the report must name the reason.
 */

const TIMEOUT_MS = 2_000;
const MB = 2 ** 20;
/**
 * Each process (the CLI, its worker: Node, tsx and Pact's core) peaks at 100–180 MB, the two
 * together at about 270 MB; an inflated bomb took the worker alone to 1.2 GB.
 */
const MAX_PROCESS_RSS = 300 * MB;
const MAX_TREE_RSS = 450 * MB;
/** Starting the CLI and its worker from TypeScript source (tsx), on a machine shared with other work. */
const START_SLACK_MS = 20_000;
const SAMPLE_EVERY_MS = 20;

/** 1 MB inflating to 1 GiB (see gzip-bomb.ts), made before the tests run. */
let GZIP_BOMB: Buffer = Buffer.alloc(0);
const DEPTH = 100_000;
const DEEP = `<response>${"<a>".repeat(DEPTH)}${"</a>".repeat(DEPTH)}</response>`;
/** Deep, yet within the size limit: refused for its depth, the path where Pact's matcher is quadratic. */
const WITHIN_SIZE_DEPTH = 30_000;
const DEEP_WITHIN_SIZE = `<response>${"<a>".repeat(WITHIN_SIZE_DEPTH)}${"</a>".repeat(WITHIN_SIZE_DEPTH)}</response>`;

interface HostileCase {
  readonly name: string;
  readonly answer: (answer: WireAnswer) => WireAnswer;
  /** What every interaction's reasons must say, as `kind: message`. */
  readonly reason: RegExp;
}

const CASES: readonly HostileCase[] = [
  {
    name: "a gzip bomb (1 MB inflating to 1 GiB)",
    answer: (answer) => ({ ...answer, headers: { "content-encoding": "gzip" }, body: GZIP_BOMB }),
    reason: new RegExp(
      `^not-delivered: .* inflate to more than ${MAX_ANSWER_BYTES} bytes, so it was not inflated further`,
    ),
  },
  {
    name: `${DEPTH.toLocaleString("en")} nested elements`,
    answer: () => xmlAnswer(DEEP),
    reason: /^client-rejects: would reject this answer: .*XML body is \d+ bytes, over the limit of 262144 bytes/,
  },
  {
    name: `${WITHIN_SIZE_DEPTH.toLocaleString("en")} nested elements within the size limit`,
    answer: () => xmlAnswer(DEEP_WITHIN_SIZE),
    reason: /^client-rejects: would reject this answer: .*XML body nests elements deeper than 16 levels/,
  },
];

/** The deadline verify documents for a run of one worker: two reachability probes, then its shard. */
function documentedBoundMs(interactions: number, callsEach: number): number {
  const shard = SHARD_SLACK_MS + interactions * (callsEach * TIMEOUT_MS + INTERACTION_SLACK_MS);
  return 2 * TIMEOUT_MS + shard;
}

interface MemoryPeaks {
  /** Highest peak (VmHWM) of any one process of the tree. */
  readonly process: number;
  /** Highest sum of the tree's resident memory (VmRSS) at one sample. */
  readonly tree: number;
}

/** Samples the memory of `pid` and its descendants until stopped. */
function watchTreeMemory(pid: number): { stop(): MemoryPeaks } {
  const peaks = { process: 0, tree: 0 };
  const sample = (): void => {
    const tree = [pid, ...descendants(pid)].map(residentBytes);
    peaks.process = Math.max(peaks.process, ...tree.map(({ peak }) => peak));
    peaks.tree = Math.max(
      peaks.tree,
      tree.reduce((sum, { now }) => sum + now, 0),
    );
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

describe("stamina: verify stays bounded in memory and time against hostile answers", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pact-verify-bounds-"));
    GZIP_BOMB = await gzipBomb();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const { name, answer, reason } of CASES) {
    it(`answered ${name}: peak memory under 300 MB a process, done within the documented deadline, the reason named`, async function () {
      const [contract] = await loadContracts([COMMITTED_CONTRACT]);
      const interactions = contract?.interactions ?? [];
      const bound = documentedBoundMs(interactions.length, 3) + START_SLACK_MS;
      this.timeout(bound + 10_000);
      const running = await startVariant({ name, alterAnswer: answer });
      const json = join(dir, `${name.replace(/\W+/g, "-")}.json`);
      try {
        const started = performance.now();
        const cli = spawnCli(
          [
            ...[
              "verify",
              "--provider-base-url",
              running.qimenUrl.href,
              "--state-change-url",
              running.stateChangeUrl.href,
            ],
            ...["--contracts", COMMITTED_CONTRACT, "--app-key", SANDBOX_APP_KEY, "--timeout-ms", String(TIMEOUT_MS)],
            ...["--jobs", "1", "--json", json],
          ],
          { QIMEN_SECRET: SANDBOX_SECRET, PACT_DO_NOT_TRACK: "true" },
        );
        const memory = watchTreeMemory(cli.child.pid ?? 0);
        const exit = await cli.exit;
        const peak = memory.stop();
        const elapsed = performance.now() - started;
        expect(exit, cli.stderr()).to.deep.equal({ code: 1, signal: null });
        const shown = `peaks: ${Math.round(peak.process / MB)} MB in one process, ${Math.round(peak.tree / MB)} MB in all`;
        expect(peak.process, shown).to.be.below(MAX_PROCESS_RSS);
        expect(peak.tree, shown).to.be.below(MAX_TREE_RSS);
        expect(elapsed).to.be.below(bound);
        const report = JSON.parse(await readFile(json, "utf8")) as VerificationReport;
        expect(report.interactions).to.have.length(interactions.length);
        for (const result of report.interactions) {
          expect(result.verdict).to.equal("failed");
          expect(result.reasons.map(({ kind, message }) => `${kind}: ${message}`)).to.satisfy((said: string[]) =>
            said.some((line) => reason.test(line)),
          );
        }
      } finally {
        await running.close();
      }
    });
  }
});
