import { expect } from "chai";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { formatBeijingTimestamp, parseBeijingTimestamp } from "../../src/protocol/index.js";

/** Instants (UTC) and the Beijing wall-clock time Qimen writes for them. */
const FORMAT_CASES: readonly { readonly instant: string; readonly beijing: string }[] = [
  { instant: "2016-01-01T04:00:00.000Z", beijing: "2016-01-01 12:00:00" },
  { instant: "1970-01-01T00:00:00.000Z", beijing: "1970-01-01 08:00:00" },
  // The Beijing date is a day, here a year, ahead of UTC's.
  { instant: "2023-12-31T16:00:00.000Z", beijing: "2024-01-01 00:00:00" },
  { instant: "2024-02-28T16:30:45.000Z", beijing: "2024-02-29 00:30:45" },
  // New York's spring-forward instant and the hour after its fall-back: no zone but Beijing's may leak in.
  { instant: "2024-03-10T07:00:00.000Z", beijing: "2024-03-10 15:00:00" },
  { instant: "2024-11-03T06:30:00.000Z", beijing: "2024-11-03 14:30:00" },
  // Milliseconds are dropped, never rounded up into the next second.
  { instant: "2024-07-01T15:59:59.999Z", beijing: "2024-07-01 23:59:59" },
];

/** Qimen timestamps and the instants they denote; null where the text is no real time. */
const PARSE_CASES: readonly { readonly text: string; readonly instant: string | null }[] = [
  { text: "2016-01-01 12:00:00", instant: "2016-01-01T04:00:00.000Z" },
  { text: "2024-01-01 00:00:00", instant: "2023-12-31T16:00:00.000Z" },
  { text: "2024-02-29 23:59:59", instant: "2024-02-29T15:59:59.000Z" },
  { text: "2024-03-10 15:00:00", instant: "2024-03-10T07:00:00.000Z" },
  { text: "2024-11-03 14:30:00", instant: "2024-11-03T06:30:00.000Z" },
  { text: "2024-02-30 00:00:00", instant: null },
  { text: "2023-02-29 12:00:00", instant: null },
  { text: "2024-04-31 12:00:00", instant: null },
  { text: "2024-13-01 00:00:00", instant: null },
  { text: "2024-00-10 00:00:00", instant: null },
  { text: "2024-01-01 25:00:00", instant: null },
  { text: "2024-01-01 24:00:00", instant: null },
  { text: "2024-01-01 12:60:00", instant: null },
  { text: "2024-01-01 12:00:60", instant: null },
  { text: "2024-1-1 1:00:00", instant: null },
  { text: "2024-01-01T12:00:00", instant: null },
  { text: "2024-01-01 12:00:00Z", instant: null },
  { text: "2024-01-01 12:00:00.000", instant: null },
  { text: "2024-01-01 12:00:00\n", instant: null },
  { text: " 2024-01-01 12:00:00", instant: null },
  { text: "2024-01-01  12:00:00", instant: null },
  { text: "２０２４-01-01 12:00:00", instant: null },
  { text: "2024-01-01", instant: null },
  { text: "", instant: null },
];

describe("Beijing timestamps", () => {
  for (const { instant, beijing } of FORMAT_CASES) {
    it(`formats ${instant} as ${beijing}`, () => {
      expect(formatBeijingTimestamp(new Date(instant))).to.equal(beijing);
    });
  }

  for (const { text, instant } of PARSE_CASES) {
    it(`parses ${JSON.stringify(text)} to ${instant ?? "undefined"}`, () => {
      expect(parseBeijingTimestamp(text)?.toISOString()).to.equal(instant ?? undefined);
    });
  }

  it("throws a RangeError when asked to format an invalid Date", () => {
    expect(() => formatBeijingTimestamp(new Date(Number.NaN))).to.throw(RangeError, /invalid Date/);
  });

  describe("whatever the host's time zone", function () {
    // Starting three Node processes with the TypeScript loader takes a few seconds on a busy machine.
    this.timeout(20_000);

    const ZONES = [
      // The offset (Date#getTimezoneOffset on 2024-07-01) proves the child really ran in that zone.
      { tz: "UTC", julyOffsetMinutes: 0 },
      { tz: "Asia/Shanghai", julyOffsetMinutes: -480 },
      { tz: "America/New_York", julyOffsetMinutes: 240 },
    ];
    const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
    const timestampModule = new URL("../../src/protocol/timestamp.ts", import.meta.url).href;
    const childScript = `
      const { formatBeijingTimestamp, parseBeijingTimestamp } = await import(${JSON.stringify(timestampModule)});
      const instants = ${JSON.stringify(FORMAT_CASES.map((c) => c.instant))};
      const texts = ${JSON.stringify(PARSE_CASES.map((c) => c.text))};
      console.log(JSON.stringify({
        julyOffsetMinutes: new Date(Date.UTC(2024, 6, 1)).getTimezoneOffset(),
        formatted: instants.map((instant) => formatBeijingTimestamp(new Date(instant))),
        parsed: texts.map((text) => parseBeijingTimestamp(text)?.toISOString() ?? null),
      }));
    `;
    const outputs = new Map<string, unknown>();

    before(async () => {
      const run = promisify(execFile);
      await Promise.all(
        ZONES.map(async ({ tz }) => {
          const { stdout } = await run(
            process.execPath,
            ["--import", "tsx", "--input-type=module", "-e", childScript],
            {
              cwd: repoRoot,
              env: { ...process.env, TZ: tz },
            },
          );
          outputs.set(tz, JSON.parse(stdout) as unknown);
        }),
      );
    });

    for (const { tz, julyOffsetMinutes } of ZONES) {
      it(`formats and parses identically under TZ=${tz}`, () => {
        expect(outputs.get(tz)).to.deep.equal({
          julyOffsetMinutes,
          formatted: FORMAT_CASES.map((c) => c.beijing),
          parsed: PARSE_CASES.map((c) => c.instant),
        });
      });
    }
  });
});
