import { isSignMethod, verifySign, type SignMethod } from "../protocol/signing.js";

/*
 * Why a sign does not verify, from what can be seen: the sign is recomputed over what the ERP most
 * likely signed instead of what it sent, with the recording's own secret. Only the cause is ever
 * said, never the expected sign or the signed string.
 */

export interface SignedCall {
  /** Every query param as received (URL-decoded), `sign` included. */
  readonly params: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
  readonly secret: string;
}

interface Reading {
  readonly params?: readonly (readonly [string, string])[];
  readonly body?: Uint8Array;
  readonly sign?: string;
  readonly signMethod?: SignMethod;
  readonly cause: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encode = (text: string): Uint8Array => Buffer.from(text, "utf8");

/** Whether SpiUtils would accept the sign: md5 over every param received, empty ones too, and the exact body. */
export function spiUtilsAcceptsSign(call: SignedCall): boolean {
  const sign = paramOf(call, "sign");
  return sign !== undefined && verifySign({ params: call.params, body: call.body, secret: call.secret }, sign);
}

/** The likely cause of a sign SpiUtils refuses. */
export function signCause(call: SignedCall): string {
  const sign = paramOf(call, "sign") ?? "";
  for (const reading of readings(call, sign)) {
    const signed = {
      params: reading.params ?? call.params,
      body: reading.body ?? call.body,
      secret: call.secret,
      signMethod: reading.signMethod ?? "md5",
    };
    if (verifySign(signed, reading.sign ?? sign)) return reading.cause;
  }
  return "the sign matches nothing the ERP could have sent: a wrong secret, or params or body changed after signing";
}

function paramOf(call: SignedCall, name: string): string | undefined {
  return call.params.find(([key]) => key === name)?.[1];
}

/** What the ERP may have signed instead, most telling first. */
function* readings(call: SignedCall, sign: string): Generator<Reading> {
  const signMethod = paramOf(call, "sign_method");
  if (signMethod !== undefined && signMethod !== "md5" && isSignMethod(signMethod)) {
    yield {
      signMethod,
      cause: `signed with ${signMethod}: SDK-built WMSs (SpiUtils) check an md5 sign whatever sign_method says`,
    };
  }
  if (/[a-f]/.test(sign))
    yield { sign: sign.toUpperCase(), cause: "the sign is lower-case hex: Qimen signs are upper-case" };
  const nonEmpty = call.params.filter(([, value]) => value !== "");
  if (nonEmpty.length !== call.params.length) {
    yield {
      params: nonEmpty,
      cause:
        "params with empty values were sent but left out of the sign: SpiUtils signs them, so never send empty params",
    };
  }
  yield* bodyReadings(call.body);
}

function* bodyReadings(body: Uint8Array): Generator<Reading> {
  let text: string | undefined;
  try {
    text = utf8.decode(body);
  } catch {
    for (const charset of ["gbk", "gb18030", "big5", "latin1"]) {
      const reencoded = encode(new TextDecoder(charset).decode(body));
      yield {
        body: reencoded,
        cause: `the body was signed as UTF-8 but sent re-encoded as ${charset.toUpperCase()}: send the exact UTF-8 bytes you signed`,
      };
    }
    return;
  }
  const changes: readonly [string, (text: string) => string][] = [
    ["white space added at its ends", (value) => value.trim()],
    ["an XML declaration added", (value) => value.replace(/^\s*<\?xml[^?]*\?>\s*/, "")],
    ["re-indented", (value) => value.replace(/>\s+</g, "><")],
    ["line ends changed to CRLF", (value) => value.replace(/\r\n/g, "\n")],
    ["line ends changed to LF", (value) => value.replace(/\n/g, "\r\n")],
  ];
  for (const [what, undo] of changes) {
    const original = undo(text);
    if (original !== text)
      yield {
        body: encode(original),
        cause: `the body was changed after signing (${what}): sign the exact bytes you send`,
      };
  }
  yield {
    body: new Uint8Array(0),
    cause: "the body was left out of the sign: Qimen signs the params followed by the exact body",
  };
}
