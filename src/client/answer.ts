import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import type { Dispatcher } from "undici";
import { isQimenError } from "../protocol/errors.js";
import { decodeResponse, type DecodedResponse } from "../protocol/response-codec.js";
import { DEFAULT_XML_LIMITS } from "../protocol/xml.js";
import { gatewayError, QimenDeliveryError, type CallContext } from "./delivery-error.js";
import type { CancelResult } from "./qimen-client.js";

/*
 * Reading an answer to order.cancel: its body as the official SDK reads it, and what the client
 * makes of it. The provider verifier judges answers with interpretAnswer too.
 */

const BODY_EXCERPT_CHARS = 200;

/**
 * What the client makes of an HTTP answer to order.cancel, without any I/O: the WMS's answer, or
 * the QimenDeliveryError `cancelOrder` rejects with because no answer from the WMS arrived. Only
 * HTTP 200 counts; the body must decode with decodeResponse; the flag alone decides (docs/protocol.md);
 * a failure the gateway wrote (a `TOP*` code, TOP's `<error_response>`) is no answer from the WMS.
 * `body` is undefined when the answer was larger than decodeResponse accepts, and so not read in
 * full. The provider verifier judges answers with this very function, so the gate and the client
 * cannot disagree.
 */
export function interpretAnswer(
  status: number,
  body: Uint8Array | undefined,
  call: CallContext,
): CancelResult | QimenDeliveryError {
  if (body === undefined) {
    return new QimenDeliveryError(
      "QIMEN_RESPONSE_UNRECOGNISED",
      `order.cancel to ${call.endpoint}: the answer is larger than ${DEFAULT_XML_LIMITS.maxBytes} bytes, so it is no Qimen response`,
      { delivery: "unknown" },
      { context: { ...call, status, maxBytes: DEFAULT_XML_LIMITS.maxBytes } },
    );
  }
  const excerpt = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    .toString("utf8")
    .slice(0, BODY_EXCERPT_CHARS);
  if (status !== 200) {
    return new QimenDeliveryError(
      "QIMEN_HTTP_STATUS",
      `order.cancel to ${call.endpoint}: HTTP ${status} instead of 200; whether the WMS applied the cancel is unknown`,
      { delivery: "unknown" },
      { context: { ...call, status, bodyExcerpt: excerpt } },
    );
  }
  let response: DecodedResponse;
  try {
    response = decodeResponse(body);
  } catch (cause) {
    if (!isQimenError(cause)) throw cause;
    return new QimenDeliveryError(
      "QIMEN_RESPONSE_UNRECOGNISED",
      `order.cancel to ${call.endpoint}: the answer is no Qimen response (${cause.message}); whether the WMS applied the cancel is unknown`,
      { delivery: "unknown" },
      { cause, context: { ...call, bodyExcerpt: excerpt } },
    );
  }
  if (response.flag === "success") return { ok: true, response };
  if (response.source !== "wms") return gatewayError(response, call);
  return {
    ok: false,
    ...(response.code === undefined ? {} : { code: response.code }),
    ...(response.message === undefined ? {} : { message: response.message }),
    response,
  };
}

/**
 * The body as the official SDK reads it: inflated when it came gzip-encoded, at most what
 * decodeResponse accepts (undefined past it: a gzip bomb inflates no further). Any other coding,
 * or gzip that does not inflate, is left as received, for decodeResponse to refuse in words.
 */
export async function decoded(body: Buffer, encoding: string | string[] | undefined): Promise<Buffer | undefined> {
  if (
    String(encoding ?? "")
      .trim()
      .toLowerCase() !== "gzip"
  )
    return body;
  try {
    return await inflate(body, { maxOutputLength: DEFAULT_XML_LIMITS.maxBytes });
  } catch (error) {
    return (error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE" ? undefined : body;
  }
}

const inflate = promisify(gunzip);

/** The whole body, or undefined (and the rest discarded) once it exceeds what decodeResponse accepts. */
export async function readCapped(body: Dispatcher.ResponseData["body"]): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > DEFAULT_XML_LIMITS.maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
