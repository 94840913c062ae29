/** Qimen timestamps are `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8, no daylight saving), whatever the host's zone. */
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The shape of a Qimen timestamp, as a regex source (Pact matchers take it as a string). */
export const TIMESTAMP_PATTERN = "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$";
const TIMESTAMP = new RegExp(TIMESTAMP_PATTERN);

export function formatBeijingTimestamp(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError("cannot format an invalid Date as a Qimen timestamp");
  // toISOString is UTC; shifting the instant by +8h makes its UTC fields Beijing's wall clock.
  const iso = new Date(instant.getTime() + BEIJING_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** The instant a Qimen timestamp denotes, or undefined when it is not a real `yyyy-MM-dd HH:mm:ss` time. */
export function parseBeijingTimestamp(text: string): Date | undefined {
  if (!TIMESTAMP.test(text)) return undefined;
  // The pattern fixes every field's place, so splitting at the separators yields exactly six numbers.
  const [year, month, day, hour, minute, second] = text.split(/[- :]/).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) - BEIJING_OFFSET_MS;
  const instant = new Date(utc);
  // Date.UTC rolls 2024-02-30 over into March: a round trip rejects such dates.
  return formatBeijingTimestamp(instant) === text ? instant : undefined;
}
