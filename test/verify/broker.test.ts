import { expect } from "chai";
import {
  fetchPactsForVerification,
  type BrokerAuth,
  type BrokerConnection,
  type PactsForVerificationQuery,
} from "../../provider-verify/broker.js";
import { contractsFromBroker } from "../../provider-verify/broker-verify.js";
import { isQimenError, type QimenErrorCode } from "../../src/protocol/errors.js";
import { pactVersion, startFakeBroker, type FakeBroker, type FakePact } from "../support/fake-broker.js";
import { deadEndpoint } from "../support/loopback-server.js";
import { brokerServedContract } from "./fixtures.js";

type Json = Record<string, unknown>;

const QUERY: PactsForVerificationQuery = {
  provider: "qimen-wms",
  consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
  includePendingStatus: true,
  includeWipPactsSince: "2025-01-01",
  providerVersionBranch: "main",
};

function connection(broker: { readonly url: string }, auth: BrokerAuth = { kind: "none" }): BrokerConnection {
  return { baseUrl: new URL(broker.url), auth, timeoutMs: 5_000 };
}

async function failure(promise: Promise<unknown>): Promise<{ code: QimenErrorCode; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isQimenError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a QimenError");
}

describe("Pact Broker client: pacts for verification (recorded exchange)", () => {
  let broker: FakeBroker;
  let pacts: FakePact[];
  before(async () => {
    const content = await brokerServedContract();
    pacts = [
      {
        consumer: "qimen-erp",
        content,
        shortDescription: "latest from main branch of qimen-erp",
        pending: false,
        notices: ["This pact is being verified because it is the latest from main"],
      },
      { consumer: "qimen-erp", content, shortDescription: "deployed in production", pending: true, wip: true },
    ];
    broker = await startFakeBroker({ pacts, authorization: "Bearer t0ken-s3cret" });
  });
  after(async () => {
    await broker.close();
  });

  it("reads the index, POSTs the selectors to pb:provider-pacts-for-verification and GETs each pact", async () => {
    broker.clear();
    const fetched = await fetchPactsForVerification(
      connection(broker, { kind: "token", token: "t0ken-s3cret" }),
      QUERY,
    );

    const asked = broker.requests.map(({ method, path, headers, json }) => ({
      method,
      path,
      authorization: headers.authorization,
      accept: headers.accept,
      contentType: headers["content-type"],
      json,
    }));
    const get = { authorization: "Bearer t0ken-s3cret", accept: "application/hal+json, application/json" };
    expect(asked).to.deep.equal([
      { method: "GET", path: "/", ...get, contentType: undefined, json: undefined },
      {
        method: "POST",
        path: "/pacts/provider/qimen-wms/for-verification",
        ...get,
        contentType: "application/json",
        json: {
          consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
          includePendingStatus: true,
          includeWipPactsSince: "2025-01-01",
          providerVersionBranch: "main",
        },
      },
      ...[0, 1].map((index) => ({
        method: "GET",
        path: `/pacts/provider/qimen-wms/consumer/qimen-erp/pact-version/${pactVersion(index)}`,
        ...get,
        contentType: undefined,
        json: undefined,
      })),
    ]);
    const pactUrl = (index: number): string =>
      `${broker.url}/pacts/provider/qimen-wms/consumer/qimen-erp/pact-version/${pactVersion(index)}`;
    expect(fetched.map(({ text: _text, ...rest }) => rest)).to.deep.equal([
      {
        url: pactUrl(0),
        shortDescription: "latest from main branch of qimen-erp",
        pending: false,
        wip: false,
        notices: ["This pact is being verified because it is the latest from main"],
        publishUrl: `${pactUrl(0)}/verification-results`,
      },
      {
        url: pactUrl(1),
        shortDescription: "deployed in production",
        pending: true,
        wip: true,
        notices: [],
        publishUrl: `${pactUrl(1)}/verification-results`,
      },
    ]);
    expect((JSON.parse(fetched[0]?.text ?? "") as { interactions: unknown[] }).interactions).to.deep.equal(
      pacts[0]?.content["interactions"],
    );
  });

  it("sends only the selectors and flags given: no WIP date or branch when there is none", async () => {
    broker.clear();
    await fetchPactsForVerification(connection(broker, { kind: "token", token: "t0ken-s3cret" }), {
      provider: "qimen wms/eu",
      consumerVersionSelectors: [{ branch: "feat/x" }],
      includePendingStatus: false,
    });
    // The provider name is percent-encoded into the template, as one path segment.
    expect(broker.requests[1]?.path).to.equal("/pacts/provider/qimen%20wms%2Feu/for-verification");
    expect(broker.requests[1]?.json).to.deep.equal({
      consumerVersionSelectors: [{ branch: "feat/x" }],
      includePendingStatus: false,
    });
  });

  const AUTH: readonly { readonly name: string; readonly auth: BrokerAuth; readonly header: string | undefined }[] = [
    { name: "a bearer token", auth: { kind: "token", token: "abc" }, header: "Bearer abc" },
    {
      name: "basic authentication",
      auth: { kind: "basic", username: "erp", password: "pa:ss" },
      header: `Basic ${Buffer.from("erp:pa:ss").toString("base64")}`,
    },
    { name: "no credentials", auth: { kind: "none" }, header: undefined },
  ];
  for (const { name, auth, header } of AUTH) {
    it(`sends ${name} with every request`, async () => {
      const open = await startFakeBroker({ pacts });
      try {
        await fetchPactsForVerification(connection(open, auth), QUERY);
        expect(open.requests.map((request) => request.headers.authorization)).to.deep.equal([
          header,
          header,
          header,
          header,
        ]);
      } finally {
        await open.close();
      }
    });
  }

  it("keeps the credentials on the broker the user named when a link points to another host", async () => {
    const elsewhere = await startFakeBroker();
    const open = await startFakeBroker({
      pacts,
      override: (request, response) => {
        if (request.path !== "/") return false;
        response.writeHead(200, { "content-type": "application/hal+json" });
        response.end(
          JSON.stringify({
            _links: {
              "pb:provider-pacts-for-verification": {
                href: `${elsewhere.url}/pacts/provider/{provider}/for-verification`,
                templated: true,
              },
            },
          }),
        );
        return true;
      },
    });
    try {
      await fetchPactsForVerification(connection(open, { kind: "token", token: "abc" }), QUERY);
      expect(elsewhere.requests).to.deep.equal([]);
      expect(open.requests.map((request) => request.path)).to.include("/pacts/provider/qimen-wms/for-verification");
    } finally {
      await Promise.all([open.close(), elsewhere.close()]);
    }
  });
});

describe("Pact Broker client: failures in one clear line", () => {
  it("an unreachable broker: QIMEN_BROKER_UNREACHABLE naming it", async () => {
    const dead = new URL(await deadEndpoint()).origin;
    const error = await failure(fetchPactsForVerification(connection({ url: dead }), QUERY));
    expect(error).to.deep.equal({
      code: "QIMEN_BROKER_UNREACHABLE",
      message: `the Pact Broker at ${dead} is unreachable: GET ${dead}/: connection refused or host not reachable (ECONNREFUSED)`,
    });
  });

  const REFUSALS: readonly {
    readonly name: string;
    readonly auth: BrokerAuth;
    readonly status: 401 | 403;
    readonly says: string;
  }[] = [
    {
      name: "a wrong token",
      auth: { kind: "token", token: "wrong" },
      status: 401,
      says: "the Pact Broker refused the credentials: GET http://HOST/ answered HTTP 401; PACT_BROKER_TOKEN was sent as a bearer token",
    },
    {
      name: "a wrong password",
      auth: { kind: "basic", username: "wms-ci", password: "wrong" },
      status: 401,
      says: 'the Pact Broker refused the credentials: GET http://HOST/ answered HTTP 401; PACT_BROKER_USERNAME and PACT_BROKER_PASSWORD were sent as basic authentication (user "wms-ci")',
    },
    {
      name: "no credentials",
      auth: { kind: "none" },
      status: 401,
      says: "the Pact Broker refused the credentials: GET http://HOST/ answered HTTP 401; no credentials were sent: set PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME and PACT_BROKER_PASSWORD",
    },
    {
      name: "a token that may not read",
      auth: { kind: "token", token: "read-nothing" },
      status: 403,
      says: "the Pact Broker accepted the credentials but does not allow them to read the index (a read-only token?): GET http://HOST/ answered HTTP 403; PACT_BROKER_TOKEN was sent as a bearer token",
    },
  ];
  for (const { name, auth, status, says } of REFUSALS) {
    it(`HTTP ${status} for ${name}: QIMEN_BROKER_AUTH naming the credential sent, never its value`, async () => {
      const broker = await startFakeBroker({
        authorization: status === 401 ? "Bearer right" : undefined,
        forbid: () => status === 403,
      });
      try {
        const error = await failure(fetchPactsForVerification(connection(broker, auth), QUERY));
        expect(error).to.deep.equal({
          code: "QIMEN_BROKER_AUTH",
          message: says.replace("http://HOST", broker.url),
        });
      } finally {
        await broker.close();
      }
    });
  }

  it("no pacts for the selectors: QIMEN_BROKER_NO_PACTS naming the provider and the selectors", async () => {
    const broker = await startFakeBroker({ pacts: [] });
    try {
      const error = await failure(fetchPactsForVerification(connection(broker), QUERY));
      expect(error).to.deep.equal({
        code: "QIMEN_BROKER_NO_PACTS",
        message:
          'the Pact Broker has no pacts for provider "qimen-wms" matching the consumer version selectors [{"mainBranch":true},{"deployedOrReleased":true}]',
      });
    } finally {
      await broker.close();
    }
  });

  it("something that is no Pact Broker: QIMEN_BROKER_HTTP naming the missing relation", async () => {
    const broker = await startFakeBroker({
      override: (_request, response) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end('{"_links":{}}');
        return true;
      },
    });
    try {
      const error = await failure(fetchPactsForVerification(connection(broker), QUERY));
      expect(error).to.deep.equal({
        code: "QIMEN_BROKER_HTTP",
        message:
          'the Pact Broker\'s index has no "pb:provider-pacts-for-verification" link: is this a Pact Broker (2.86 or later)?',
      });
    } finally {
      await broker.close();
    }
  });
});

describe("Pact Broker pacts read as Qimen contracts", () => {
  const NOT_QIMEN: readonly { readonly name: string; readonly edit: (request: Json) => Json; readonly why: string }[] =
    [
      {
        name: "a GET of a REST resource",
        edit: (request) => ({ ...request, method: "GET", path: "/orders/1" }),
        why: "its request is GET, but the gateway delivers a POST",
      },
      {
        name: "another Qimen method",
        edit: (request) => ({
          ...request,
          query: { ...(request["query"] as Json), method: ["taobao.qimen.order.create"] },
        }),
        why: "its request's query has method=taobao.qimen.order.create, not taobao.qimen.order.cancel or order.cancel",
      },
      {
        name: "no method at all",
        edit: (request) => ({ ...request, query: "format=json" }),
        why: "its request's query has no method, not taobao.qimen.order.cancel or order.cancel",
      },
    ];
  for (const { name, edit, why } of NOT_QIMEN) {
    it(`names the pact, the interaction and why for ${name}`, async () => {
      const content = await brokerServedContract();
      const interactions = content.interactions.map((interaction, index) =>
        index === 2 ? { ...interaction, request: edit(interaction["request"] as Json) } : interaction,
      );
      const broker = await startFakeBroker({
        pacts: [{ consumer: "other-erp", content: { ...content, interactions }, shortDescription: "main" }],
      });
      try {
        const error = await failure(contractsFromBroker(connection(broker), QUERY));
        const description = String(content.interactions[2]?.["description"]);
        expect(error).to.deep.equal({
          code: "QIMEN_CONTRACT_INVALID",
          message: `contract ${broker.url}/pacts/provider/qimen-wms/consumer/other-erp/pact-version/${pactVersion(0)}, interaction 3 ("${description}") is not a Qimen order.cancel call: ${why}`,
        });
      } finally {
        await broker.close();
      }
    });
  }

  it("reads the committed contract, its nearest harmless twin, as a contract named by the pact's URL", async () => {
    const broker = await startFakeBroker({
      pacts: [{ consumer: "qimen-erp", content: await brokerServedContract(), shortDescription: "main" }],
    });
    try {
      const [read] = await contractsFromBroker(connection(broker), QUERY);
      const url = `${broker.url}/pacts/provider/qimen-wms/consumer/qimen-erp/pact-version/${pactVersion(0)}`;
      expect([read?.contract.path, read?.contract.consumer, read?.contract.interactions.length]).to.deep.equal([
        url,
        "qimen-erp",
        7,
      ]);
    } finally {
      await broker.close();
    }
  });
});
