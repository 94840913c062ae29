/**
 * Every code a QimenError carries, by family, with what it means: callers branch on `code`, which
 * is stable; `message` is for humans and may be reworded. README's table lists exactly these
 * (test/protocol/errors.test.ts). Programmer mistakes are thrown as TypeError/RangeError (an
 * option: OptionError, code QIMEN_OPTION_INVALID) and never carry these codes.
 */
export const QIMEN_ERROR_CODES = {
  QIMEN_XML_MALFORMED: { family: "decoding", meaning: "the body is not well-formed XML" },
  QIMEN_XML_DTD_FORBIDDEN: { family: "decoding", meaning: "the body declares a DTD, which Qimen never sends" },
  QIMEN_XML_TOO_LARGE: { family: "decoding", meaning: "the body is larger than the size limit" },
  QIMEN_XML_TOO_DEEP: { family: "decoding", meaning: "the body nests deeper than the depth limit" },
  QIMEN_XML_ENCODING: { family: "decoding", meaning: "the body is not valid UTF-8, or declares another encoding" },
  QIMEN_XML_WRONG_ROOT: { family: "decoding", meaning: "the root element is not <request> or <response>" },
  QIMEN_FIELD_DUPLICATE: { family: "decoding", meaning: "a field that occurs once occurs twice" },
  QIMEN_FIELD_MISSING: { family: "decoding", meaning: "a required field is missing or blank" },
  QIMEN_FIELD_INVALID: { family: "decoding", meaning: "a field's value is not of its kind" },
  QIMEN_RESPONSE_UNRECOGNISED: { family: "decoding", meaning: "the answer is no Qimen envelope the client knows" },
  QIMEN_CONNECTION_REFUSED: { family: "delivery", meaning: "no connection could be opened (not reached)" },
  QIMEN_CONNECT_TIMEOUT: { family: "delivery", meaning: "opening the connection timed out (not reached)" },
  QIMEN_READ_TIMEOUT: { family: "delivery", meaning: "no whole answer within the read timeout (maybe applied)" },
  QIMEN_CONNECTION_CLOSED: { family: "delivery", meaning: "the connection closed before a whole answer (unknown)" },
  QIMEN_HTTP_STATUS: { family: "delivery", meaning: "the answer's HTTP status is not 200" },
  QIMEN_GATEWAY_ERROR: { family: "delivery", meaning: "the Qimen gateway answered in its own name (TOP codes)" },
  QIMEN_ABORTED: { family: "delivery", meaning: "the caller aborted the call" },
  QIMEN_CONTRACT_INVALID: { family: "verification", meaning: "a contract cannot be read in full" },
  QIMEN_REPORT_INVALID: { family: "verification", meaning: "report merge refused its parts" },
  QIMEN_BROKER_UNREACHABLE: { family: "broker", meaning: "the Pact Broker cannot be reached" },
  QIMEN_BROKER_AUTH: { family: "broker", meaning: "the Pact Broker refused the credentials (401/403)" },
  QIMEN_BROKER_HTTP: { family: "broker", meaning: "the Pact Broker answered an error or no HAL document" },
  QIMEN_BROKER_NO_PACTS: { family: "broker", meaning: "no pact matches the consumer version selectors" },
} as const satisfies Record<string, { readonly family: string; readonly meaning: string }>;

export type QimenErrorCode = keyof typeof QIMEN_ERROR_CODES;

/*
 * Brands, as undici brands its errors: `instanceof` and isQimenError ask for the brand, not the
 * class object, so an error made by another installed copy of qimen-pact (a second version in
 * node_modules) is recognised too.
 */
const QIMEN_ERROR_BRAND = Symbol.for("qimen-pact.QimenError");
const OPTION_ERROR_BRAND = Symbol.for("qimen-pact.OptionError");

/** Whether `value` carries `mark`, set by the constructor of the branded class. */
export function hasBrand(value: unknown, mark: symbol): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && mark in value;
}

/** Marks `error` with `mark`, hidden from enumeration and JSON. */
export function brand(error: Error, mark: symbol): void {
  Object.defineProperty(error, mark, { value: true });
}

export interface QimenErrorOptions {
  /** Facts that help the reader fix the problem: field names, limits, URLs. Never secrets. */
  readonly context?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** What qimen-pact reports at run time: a stable `code` (QIMEN_ERROR_CODES), facts in `context`, the `cause`. */
export class QimenError extends Error {
  override readonly name: string = "QimenError";
  readonly code: QimenErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, QIMEN_ERROR_BRAND);
  }

  constructor(code: QimenErrorCode, message: string, options: QimenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
    brand(this, QIMEN_ERROR_BRAND);
  }
}

export function isQimenError(value: unknown, code?: QimenErrorCode): value is QimenError {
  return value instanceof QimenError && (code === undefined || value.code === code);
}

/**
 * An option outside what it supports, found when the option is given (at construction), never on
 * first use. A RangeError, as programmer mistakes are; `option` names it as the caller spelt it
 * (`xmlLimits.maxDepth`), so a CLI can name its own flag instead.
 */
export class OptionError extends RangeError {
  override readonly name = "OptionError";
  readonly code = "QIMEN_OPTION_INVALID";
  readonly option: string;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, OPTION_ERROR_BRAND);
  }

  constructor(option: string, expected: string, actual: unknown) {
    super(`${option} must be ${expected}, got ${describeOption(actual)}`);
    this.option = option;
    brand(this, OPTION_ERROR_BRAND);
  }
}

/** An option's value as a message shows it: short, whatever the caller passed. */
function describeOption(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return typeof value === "function" || typeof value === "symbol" ? `a ${typeof value}` : String(value);
}
