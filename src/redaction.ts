/** Masks the sensitive values in a text that came from the remote side or the wire. */
export type Redact = (text: string) => string;

export const REDACTED = "<redacted>";

/**
 * Sensitive values of at most this many characters cannot be told apart from ordinary text: they
 * are masked only where they stand alone, and the user is warned (shortSecretWarning).
 */
export const SHORT_SECRET_MAX_CHARS = 2;

/** Any `sign=` query value, however the query was escaped (`&amp;sign=`, `%26sign%3D`). */
const SIGN_QUERY_VALUE = /((?:[?&;]|%26|%3F)sign(?:=|%3D))[^&\s"'<%]+/gi;
/** No letter or digit on that side: a short value there is a word of its own. */
const NOT_AFTER_WORD = "(?<![\\p{L}\\p{N}])";
const NOT_BEFORE_WORD = "(?![\\p{L}\\p{N}])";

const XML_NAMED: Readonly<Record<string, string>> = { "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" };
/** What follows a backslash in JSON's two-character escapes, as a regular expression. */
const JSON_SHORT: Readonly<Record<string, string>> = { '"': '"', "\\": "\\\\", "/": "/" };

/**
 * Masks, in a text from the remote side or the wire (an answer, a failure, Pact's findings, a
 * URL), every sensitive value given (the app secret, the signs computed, a URL's password and
 * query values) and any `sign=` query value, in every spelling a provider may echo it in: any
 * letter case (a sign echoed lower-cased), XML-escaped (named or numeric character references,
 * escaped again any number of times), percent-encoded (either hex case, `+` for a space, encoded
 * again any number of times), JSON-escaped (`\uXXXX`, `\"`), or any mix of these.
 *
 * A value of one or two characters cannot be told apart from text: masking every such letter
 * would make the report unreadable (`an order exi<redacted>t`), so it is masked only where no
 * letter or digit touches it. Callers warn about such a secret (shortSecretWarning).
 *
 * Only text from the remote side goes through it: the contract's and the tool's own words never
 * carry a secret, so a match there is chance, not a leak.
 */
export function redactor(sensitive: readonly string[]): Redact {
  const values = [...new Set(sensitive.filter((value) => value !== ""))].sort((a, b) => b.length - a.length);
  // Compared as unescaped as the text is: a value may itself hold "+" or "%".
  const lowered = values.map((value) => unescaped(value).toLowerCase());
  // Compiled on first need: most texts hold no spelling of any value, and the pattern is costly to build and run.
  let pattern: RegExp | undefined;
  const mayHold = (text: string): boolean => {
    const plain = ESCAPES.test(text) ? unescaped(text) : text;
    const lower = plain.toLowerCase();
    return lowered.some((value) => lower.includes(value));
  };
  return (text) => {
    if (values.length > 0 && mayHold(text)) {
      pattern ??= new RegExp(values.map(anySpelling).join("|"), "giu");
      text = text.replace(pattern, REDACTED);
    }
    return text.replace(SIGN_QUERY_VALUE, `$1${REDACTED}`);
  };
}

/** What every spelling but the plain one (in any case) needs: an escape, or "+" for a space. */
const ESCAPES = /[%&\\+]/;
const XML_REFERENCE = /&(?:#x([0-9a-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/gi;
const PERCENT_RUN = /(?:%[0-9a-f]{2})+/gi;
const JSON_ESCAPE = /\\u([0-9a-f]{4})|\\(["\\/])/gi;
const XML_NAMED_CHARS: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * The text with every escape anySpelling knows undone, as often as it nests (a cheap pre-check:
 * only a text in which a value then shows is searched with the costly pattern, on its original).
 */
function unescaped(text: string): string {
  let previous: string;
  let current = text;
  do {
    previous = current;
    current = current
      .replace(XML_REFERENCE, (_, hex: string | undefined, decimal: string | undefined, named: string | undefined) =>
        named !== undefined
          ? (XML_NAMED_CHARS[named.toLowerCase()] ?? "")
          : String.fromCodePoint(
              Math.min(Number.parseInt(hex ?? decimal ?? "0", hex === undefined ? 10 : 16), 0x10ffff),
            ),
      )
      .replace(PERCENT_RUN, (run) => {
        try {
          return decodeURIComponent(run);
        } catch {
          return run;
        }
      })
      .replace(JSON_ESCAPE, (_, code: string | undefined, char: string | undefined) =>
        code === undefined ? (char ?? "") : String.fromCharCode(Number.parseInt(code, 16)),
      )
      .replaceAll("+", " ");
  } while (current !== previous);
  return current;
}

/** Every string in a JSON-like value redacted, keys (the tool's own) left as they are. */
export function redactStrings<T>(value: T, redact: Redact): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactStrings(item, redact)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, redact)])) as T;
  }
  return value;
}

/** The warning due for a secret too short to be told apart from text, or undefined. */
export function shortSecretWarning(secret: string): string | undefined {
  const length = [...secret].length;
  if (length === 0 || length > SHORT_SECRET_MAX_CHARS) return undefined;
  return (
    `the secret is only ${length} character${length === 1 ? "" : "s"} long, so it cannot be told apart from text: ` +
    "it is masked only where it stands alone, and may show inside words the WMS sends"
  );
}

function anySpelling(value: string): string {
  const spelled = [...value].map(charSpellings).join("");
  return [...value].length <= SHORT_SECRET_MAX_CHARS ? `${NOT_AFTER_WORD}${spelled}${NOT_BEFORE_WORD}` : spelled;
}

/** One character as a regular-expression group matching each way it can be written; letter case is the `i` flag's. */
function charSpellings(char: string): string {
  const codePoint = char.codePointAt(0) ?? 0;
  const spellings = [
    char.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"),
    ...(char === " " ? ["\\+"] : []),
    ...(XML_NAMED[char] === undefined ? [] : [`&(?:amp;)*${XML_NAMED[char]};`]),
    `&(?:amp;)*#(?:0*${codePoint}|x0*${codePoint.toString(16)});`,
    [...Buffer.from(char, "utf8")].map((byte) => `%(?:25)*${hex(byte, 2)}`).join(""),
    char
      .split("")
      .map((unit) => `\\\\u${hex(unit.charCodeAt(0), 4)}`)
      .join(""),
    ...(JSON_SHORT[char] === undefined ? [] : [`\\\\${JSON_SHORT[char]}`]),
  ];
  return `(?:${spellings.join("|")})`;
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, "0");
}
