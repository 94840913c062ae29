import type { IncomingMessage } from "node:http";

export interface BodyLimits {
  /** Largest body kept in memory and answered normally. */
  readonly maxBytes: number;
  /**
   * How much of an oversize body is read and thrown away so its sender can read the failure answer
   * (closing a socket with unread data resets it, and the client never sees the answer). Past
   * this, the sandbox stops reading and closes the connection after answering.
   */
  readonly discardBytes: number;
}

export type BodyReadResult =
  | { readonly kind: "complete"; readonly body: Buffer }
  /** Over maxBytes: read and discarded to its end, or up to discardBytes past maxBytes. */
  | { readonly kind: "too-large"; readonly bytes: number }
  /** The client went away (reset, aborted upload) before the body ended: nobody is left to answer. */
  | { readonly kind: "aborted" };

/** Reads a request body without ever holding more than `maxBytes` of it; never rejects. */
export function readBody(request: IncomingMessage, limits: BodyLimits): Promise<BodyReadResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const finish = (result: BodyReadResult): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onAbort);
      request.off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes <= limits.maxBytes) {
        chunks.push(chunk);
      } else if (bytes > limits.maxBytes + limits.discardBytes) {
        request.pause();
        finish({ kind: "too-large", bytes });
      } else {
        chunks.length = 0;
      }
    };
    const onEnd = (): void =>
      finish(
        bytes <= limits.maxBytes ? { kind: "complete", body: Buffer.concat(chunks) } : { kind: "too-large", bytes },
      );
    const onAbort = (): void => finish({ kind: "aborted" });
    const onClose = (): void => {
      if (!request.complete) onAbort();
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onAbort);
    request.on("close", onClose);
  });
}
