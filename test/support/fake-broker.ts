import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/*
 * A Pact Broker's HAL API as its documentation describes it (the index, pacts for verification,
 * the pact with its pb:publish-verification-results link, branch versions, publishing contracts),
 * on a loopback port, recording every request. Written from the broker's API docs: no broker
 * could be installed here, and the tests assert what was asked of it, not only what it answered.
 */

/** One request as the broker received it. */
export interface BrokerRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or undefined when there was none. */
  readonly json: unknown;
}

export interface FakePact {
  readonly consumer: string;
  /** The pact document (a Pact file's JSON); the broker adds `_links` when serving it. */
  readonly content: Readonly<Record<string, unknown>>;
  readonly shortDescription: string;
  readonly pending?: boolean;
  readonly wip?: boolean;
  readonly notices?: readonly string[];
}

export interface FakeBrokerOptions {
  /** Pacts answered for any provider and selectors; none by default. */
  readonly pacts?: readonly FakePact[];
  /** The Authorization header required of every request: others get 401. */
  readonly authorization?: string | undefined;
  /** Requests answered 403 (the credentials are valid but may not do this). */
  readonly forbid?: (method: string, path: string) => boolean;
  /** Answers a request instead of the HAL API, e.g. with an error. */
  readonly override?: (request: BrokerRequest, response: ServerResponse) => boolean;
}

export interface FakeBroker {
  /** The base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly requests: readonly BrokerRequest[];
  /** Forgets the requests recorded so far. */
  clear(): void;
  close(): Promise<void>;
}

/** The pact-version path segment the fake uses for the n-th pact. */
export function pactVersion(index: number): string {
  return `${index}`.padStart(40, "0");
}

export async function startFakeBroker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const requests: BrokerRequest[] = [];
  let base = "";
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const request: BrokerRequest = {
        method: incoming.method ?? "",
        path: incoming.url ?? "/",
        headers: incoming.headers,
        json: text === "" ? undefined : (JSON.parse(text) as unknown),
      };
      requests.push(request);
      if (options.override?.(request, response) === true) return;
      if (options.authorization !== undefined && incoming.headers.authorization !== options.authorization) {
        return hal(response, 401, { error: "Unauthorized" });
      }
      if (options.forbid?.(request.method, request.path) === true) return hal(response, 403, { error: "Forbidden" });
      answer(request, response, base, options.pacts ?? []);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    clear: () => void requests.splice(0),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

function hal(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/hal+json;charset=utf-8" });
  response.end(JSON.stringify(body));
}

function answer(request: BrokerRequest, response: ServerResponse, base: string, pacts: readonly FakePact[]): void {
  const { method, path } = request;
  if (method === "GET" && path === "/") {
    return hal(response, 200, {
      _links: {
        self: { href: base, title: "Index", templated: false },
        "pb:provider-pacts-for-verification": {
          href: `${base}/pacts/provider/{provider}/for-verification`,
          title: "Pact versions to be verified for the specified provider",
          templated: true,
        },
        "pb:pacticipant-branch-version": {
          href: `${base}/pacticipants/{pacticipant}/branches/{branch}/versions/{version}`,
          title: "Get or add/create a pacticipant version for a branch",
          templated: true,
        },
        "pb:publish-contracts": { href: `${base}/contracts/publish`, title: "Publish contracts", templated: false },
      },
    });
  }
  const forVerification = /^\/pacts\/provider\/([^/]+)\/for-verification$/.exec(path);
  if (method === "POST" && forVerification !== null) {
    const provider = forVerification[1] ?? "";
    return hal(response, 200, {
      _embedded: {
        pacts: pacts.map((pact, index) => ({
          shortDescription: pact.shortDescription,
          verificationProperties: {
            ...(pact.pending === undefined ? {} : { pending: pact.pending }),
            ...(pact.wip === undefined ? {} : { wip: pact.wip }),
            notices: (pact.notices ?? []).map((text) => ({ when: "before_verification", text })),
          },
          _links: {
            self: {
              href: `${base}${pactPath(provider, pact.consumer, index)}`,
              name: `Pact between ${pact.consumer} and ${decodeURIComponent(provider)}`,
            },
          },
        })),
      },
      _links: { self: { href: `${base}${path}`, title: "Pacts to be verified" } },
    });
  }
  const pact = /^\/pacts\/provider\/([^/]+)\/consumer\/([^/]+)\/pact-version\/(\d{40})(\/verification-results)?$/.exec(
    path,
  );
  const served = pact === null ? undefined : pacts[Number(pact[3])];
  if (pact !== null && served !== undefined) {
    const self = `${base}${pactPath(pact[1] ?? "", served.consumer, Number(pact[3]))}`;
    if (method === "GET" && pact[4] === undefined) {
      return hal(response, 200, {
        ...served.content,
        _links: {
          self: { href: self },
          "pb:publish-verification-results": {
            title: "Publish verification results",
            href: `${self}/verification-results`,
          },
        },
      });
    }
    if (method === "POST" && pact[4] !== undefined) {
      return hal(response, 201, {
        ...(request.json as object),
        _links: { self: { href: `${self}/verification-results/1` } },
      });
    }
  }
  if (method === "POST" && path === "/contracts/publish") return hal(response, 200, published(request.json, base));
  if (method === "PUT" && /^\/pacticipants\/[^/]+\/branches\/[^/]+\/versions\/[^/]+$/.test(path)) {
    return hal(response, 200, { _links: { self: { href: `${base}${path}` } } });
  }
  hal(response, 404, { error: `no ${method} ${path} in this fake broker` });
}

function pactPath(provider: string, consumer: string, index: number): string {
  return `/pacts/provider/${provider}/consumer/${encodeURIComponent(consumer)}/pact-version/${pactVersion(index)}`;
}

/** The answer to publishing contracts, in the shape the broker's docs give (publish-contracts). */
function published(body: unknown, base: string): unknown {
  const { pacticipantName, pacticipantVersionNumber, branch, contracts } = body as {
    pacticipantName: string;
    pacticipantVersionNumber: string;
    branch?: string;
    contracts: { consumerName: string; providerName: string }[];
  };
  const pacticipant = `${base}/pacticipants/${encodeURIComponent(pacticipantName)}`;
  const version = `${pacticipant}/versions/${encodeURIComponent(pacticipantVersionNumber)}`;
  return {
    notices: [{ type: "success", text: `Created ${pacticipantName} version ${pacticipantVersionNumber}` }],
    logs: [{ level: "info", message: `Created ${pacticipantName} version ${pacticipantVersionNumber}` }],
    _embedded: {
      pacticipant: { name: pacticipantName, _links: { self: { name: pacticipantName, href: pacticipant } } },
      version: {
        number: pacticipantVersionNumber,
        ...(branch === undefined ? {} : { branch }),
        _links: { self: { title: "Version", name: pacticipantVersionNumber, href: version } },
      },
    },
    _links: {
      "pb:pacticipant": { title: "Pacticipant", name: pacticipantName, href: pacticipant },
      "pb:pacticipant-version": { title: "Pacticipant version", name: pacticipantVersionNumber, href: version },
      "pb:pacticipant-version-tags": [],
      "pb:contracts": contracts.map((contract) => ({
        title: "Pact",
        name: `Pact between ${contract.consumerName} (${pacticipantVersionNumber}) and ${contract.providerName}`,
        href: `${base}/pacts/provider/${encodeURIComponent(contract.providerName)}/consumer/${encodeURIComponent(contract.consumerName)}/version/${encodeURIComponent(pacticipantVersionNumber)}`,
      })),
    },
  };
}
