import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const SIGN_METHODS = ["md5", "hmac", "hmac-sha256"] as const;
export type SignMethod = (typeof SIGN_METHODS)[number];

export function isSignMethod(value: string): value is SignMethod {
  return (SIGN_METHODS as readonly string[]).includes(value);
}

export type SignParams = Readonly<Record<string, string>> | Iterable<readonly [string, string]>;

export interface SignInput {
  /** Query parameters, URL-decoded; `sign` itself is ignored if present. */
  readonly params: SignParams;
  /** The exact body sent, byte for byte. */
  readonly body?: string | Uint8Array;
  readonly secret: string;
  readonly signMethod?: SignMethod;
}

function entriesOf(params: SignParams): (readonly [string, string])[] {
  return Symbol.iterator in params ? [...(params as Iterable<readonly [string, string]>)] : Object.entries(params);
}

/** `k1v1k2v2…` over every param but `sign`, keys in plain code-unit order. */
export function canonicalParams(params: SignParams): string {
  return entriesOf(params)
    .filter(([key]) => key !== "sign")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => key + value)
    .join("");
}

/** The string that is signed, with the secret replaced by a mask: safe to show an integrator. */
export function describeSignedString(input: Omit<SignInput, "secret">, mask = "<secret>"): string {
  const body =
    input.body === undefined
      ? ""
      : typeof input.body === "string"
        ? input.body
        : Buffer.from(input.body).toString("utf8");
  const signMethod = input.signMethod ?? "md5";
  const payload = canonicalParams(input.params) + body;
  return signMethod === "md5" ? mask + payload + mask : payload;
}

/** Qimen/TOP signature: upper-case hex of MD5(secret+params+body+secret), HmacMD5 or HmacSHA256(params+body). */
export function computeSign({ params, body, secret, signMethod = "md5" }: SignInput): string {
  const payload = [Buffer.from(canonicalParams(params), "utf8"), toBytes(body)];
  switch (signMethod) {
    case "md5":
      return createHash("md5")
        .update(Buffer.concat([Buffer.from(secret, "utf8"), ...payload, Buffer.from(secret, "utf8")]))
        .digest("hex")
        .toUpperCase();
    case "hmac":
      return createHmac("md5", secret).update(Buffer.concat(payload)).digest("hex").toUpperCase();
    case "hmac-sha256":
      return createHmac("sha256", secret).update(Buffer.concat(payload)).digest("hex").toUpperCase();
    default:
      throw new RangeError(`unknown sign_method ${JSON.stringify(signMethod)}: use one of ${SIGN_METHODS.join(", ")}`);
  }
}

/**
 * Whether `sign` is the signature of the input, compared in constant time. A sign of the wrong
 * length, in lower case or with anything appended is simply wrong: no normalisation.
 */
export function verifySign(input: SignInput, sign: string): boolean {
  const expected = Buffer.from(computeSign(input), "utf8");
  const actual = Buffer.from(sign, "utf8");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function toBytes(body: string | Uint8Array | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}
