import autocannon from "autocannon";
import { performance } from "node:perf_hooks";
import type { OrderCancelRequest } from "../../src/protocol/model.js";
import { encodeCancelRequest } from "../../src/protocol/request-codec.js";
import { ORDER_CANCEL_METHOD, signQuery } from "../../src/protocol/system-params.js";
import { formatBeijingTimestamp } from "../../src/protocol/timestamp.js";
import { percentile } from "./stats.js";

/** Who sends the load: the credentials every request is signed with, and the signer's clock. */
export interface LoadCaller {
  readonly appKey: string;
  readonly secret: string;
  readonly customerId: string;
  /** Default: the system clock. */
  readonly clock?: () => Date;
}

export interface SignedLoadOptions {
  /** The Qimen endpoint, without a query. */
  readonly url: URL;
  readonly caller: LoadCaller;
  /** Request number n cancels `cancels[n % cancels.length]`. */
  readonly cancels: readonly OrderCancelRequest[];
  readonly connections: number;
  /** Exactly this many requests, or as many as fit in this many seconds. */
  readonly until: { readonly requests: number } | { readonly seconds: number };
  /** Seconds before a request counts as timed out. Default 10. */
  readonly timeoutSeconds?: number;
  /** Receives every complete answer. */
  readonly onAnswer?: (answer: LoadAnswer) => void;
}

export interface LoadAnswer {
  /** Which request this answers, counted from 0 in the order they were built. */
  readonly sequence: number;
  readonly cancel: OrderCancelRequest;
  readonly status: number;
  readonly body: string;
}

export interface SignedLoadResult {
  readonly answered: number;
  readonly requestsPerSecond: number;
  /** Of answered requests, to the microsecond (autocannon's own histogram keeps whole milliseconds). */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** Connection errors, timeouts included. */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

const QIMEN_CONTENT_TYPE = "text/xml;charset=utf-8";
/** A run ends on the first sample after it is done; autocannon's default second would idle up to 1 s. */
const SAMPLE_INTERVAL_MS = 50;

/**
 * Loads a Qimen endpoint with order.cancel calls through autocannon, each signed afresh when it is
 * sent (its own timestamp and sign), as an ERP would: a signature check cannot be served from a
 * cache. Bodies are encoded once per cancel; signing is the per-request work on the client side.
 */
export async function runSignedLoad(options: SignedLoadOptions): Promise<SignedLoadResult> {
  const { url, caller, cancels, connections, until } = options;
  if (cancels.length === 0) throw new RangeError("cancels must name at least one order to cancel");
  if (!Number.isInteger(connections) || connections < 1) {
    throw new RangeError(`connections must be a positive integer, got ${connections}`);
  }
  if ("requests" in until && !(Number.isInteger(until.requests) && until.requests >= connections)) {
    throw new RangeError(`until.requests must be an integer of at least connections (${connections})`);
  }
  const bodies = cancels.map((cancel) => Buffer.from(encodeCancelRequest(cancel), "utf8"));
  const clock = caller.clock ?? (() => new Date());
  let built = 0;

  const request: autocannon.Request = {
    setupRequest: (params, context) => {
      const sequence = built++;
      const index = sequence % cancels.length;
      const body = bodies[index] as Buffer;
      const query = signQuery(
        {
          method: ORDER_CANCEL_METHOD.long,
          timestamp: formatBeijingTimestamp(clock()),
          appKey: caller.appKey,
          customerId: caller.customerId,
        },
        body,
        caller.secret,
      );
      // With one request in flight per connection, the context still holds it when its answer arrives.
      context["sequence"] = sequence;
      return {
        ...params,
        method: "POST",
        path: `${url.pathname}?${query.search}`,
        headers: { "content-type": QIMEN_CONTENT_TYPE },
        body,
      };
    },
    onResponse: (status, body, context) => {
      const sequence = context["sequence"] as number;
      options.onAnswer?.({ sequence, cancel: cancels[sequence % cancels.length] as OrderCancelRequest, status, body });
    },
  };

  const latencies: number[] = [];
  let lastAnswerAt = 0;
  const startedAt = performance.now();
  const instance = autocannon({
    url: url.origin,
    connections,
    ...("requests" in until ? { amount: until.requests } : { duration: until.seconds }),
    timeout: options.timeoutSeconds ?? 10,
    sampleInt: SAMPLE_INTERVAL_MS,
    requests: [request],
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    latencies.push(responseTimeMs);
    lastAnswerAt = performance.now();
  });
  const result = await instance;
  const elapsedSeconds = ((lastAnswerAt || performance.now()) - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    answered: latencies.length,
    requestsPerSecond: latencies.length / elapsedSeconds,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}
