// The parts of autocannon 8 (which ships no types) that bench/ and test/stamina/ use.
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  namespace autocannon {
    type Context = Record<string, unknown>;

    interface RequestParams {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }

    interface Request extends RequestParams {
      /** Called before each send; returns the request to send. */
      setupRequest?: (request: RequestParams, context: Context) => RequestParams;
      /** Called with each complete answer, the request's context still in place (pipelining 1). */
      onResponse?: (status: number, body: string, context: Context) => void;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Exactly this many requests, split evenly over the connections; overrides duration. */
      amount?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      /** Milliseconds between samples; a run ends on the sample after it is done. */
      sampleInt?: number;
      requests?: Request[];
    }

    interface Result {
      errors: number;
      timeouts: number;
      non2xx: number;
      mismatches: number;
      resets: number;
      duration: number;
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
