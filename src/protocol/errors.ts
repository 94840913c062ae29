/**
 * One error type for everything qimen-pact reports at run time. Callers branch on `code`, which is
 * stable; `message` is for humans and may be reworded. Programmer mistakes (bad options, invalid
 * arguments) are thrown as TypeError/RangeError instead and never reach this type.
 */
export type QimenErrorCode =
  // XML and protocol decoding
  | "QIMEN_XML_MALFORMED"
  | "QIMEN_XML_DTD_FORBIDDEN"
  | "QIMEN_XML_TOO_LARGE"
  | "QIMEN_XML_TOO_DEEP"
  | "QIMEN_XML_ENCODING"
  | "QIMEN_XML_WRONG_ROOT"
  | "QIMEN_FIELD_DUPLICATE"
  | "QIMEN_FIELD_MISSING"
  | "QIMEN_FIELD_INVALID"
  | "QIMEN_RESPONSE_UNRECOGNISED"
  // transport and gateway, as seen by the ERP client
  | "QIMEN_CONNECTION_REFUSED"
  | "QIMEN_CONNECT_TIMEOUT"
  | "QIMEN_READ_TIMEOUT"
  | "QIMEN_CONNECTION_CLOSED"
  | "QIMEN_HTTP_STATUS"
  | "QIMEN_GATEWAY_ERROR"
  | "QIMEN_ABORTED"
  // provider verification (qimen-pact verify)
  | "QIMEN_CONTRACT_INVALID"
  | "QIMEN_REPORT_INVALID"
  // the Pact Broker, as seen by verify
  | "QIMEN_BROKER_UNREACHABLE"
  | "QIMEN_BROKER_AUTH"
  | "QIMEN_BROKER_HTTP"
  | "QIMEN_BROKER_NO_PACTS";

export interface QimenErrorOptions {
  /** Facts that help the reader fix the problem: field names, limits, URLs. Never secrets. */
  readonly context?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class QimenError extends Error {
  override readonly name: string = "QimenError";
  readonly code: QimenErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: QimenErrorCode, message: string, options: QimenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
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

  constructor(option: string, expected: string, actual: unknown) {
    super(`${option} must be ${expected}, got ${describeOption(actual)}`);
    this.option = option;
  }
}

/** An option's value as a message shows it: short, whatever the caller passed. */
function describeOption(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return typeof value === "function" || typeof value === "symbol" ? `a ${typeof value}` : String(value);
}
