import { expect } from "chai";
import { skipsCertificateStore, workerEnvironment } from "../../provider-verify/worker-environment.js";

const NONE = { file: "/tmp/v/no-certificates.pem", directory: "/tmp/v/no-certificates" };
const CALLER = {
  NODE_OPTIONS: "--max-old-space-size=512",
  NODE_EXTRA_CA_CERTS: "/etc/corp-ca.pem",
  SSL_CERT_FILE: "/etc/ssl/bundle.pem",
  SSL_CERT_DIR: "/etc/ssl/certs",
  PACT_BROKER_BASE_URL: "https://broker.example.com",
  PACT_DESCRIPTION: "only this one",
  HTTPS_PROXY: "http://proxy.example.com:3128",
  QIMEN_SECRET: "s3cret",
};
const WITHOUT_STORE = {
  PACT_DO_NOT_TRACK: "true",
  NODE_OPTIONS: CALLER.NODE_OPTIONS,
  SSL_CERT_FILE: NONE.file,
  SSL_CERT_DIR: NONE.directory,
};
const CALLERS_STORE = {
  PACT_DO_NOT_TRACK: "true",
  NODE_OPTIONS: CALLER.NODE_OPTIONS,
  NODE_EXTRA_CA_CERTS: CALLER.NODE_EXTRA_CA_CERTS,
  SSL_CERT_FILE: CALLER.SSL_CERT_FILE,
  SSL_CERT_DIR: CALLER.SSL_CERT_DIR,
};

describe("verify: the worker processes' environment", () => {
  const CASES: readonly {
    readonly name: string;
    readonly provider: string;
    readonly stateChange?: string;
    readonly env: Record<string, string>;
  }[] = [
    {
      name: "skips the certificate store for a plain-http provider and state-change URL",
      provider: "http://wms.example.com/qimen",
      stateChange: "http://wms.example.com/pact/provider-states",
      env: WITHOUT_STORE,
    },
    {
      name: "skips the certificate store for a plain-http provider without states",
      provider: "http://127.0.0.1:8080/qimen",
      env: WITHOUT_STORE,
    },
    {
      name: "keeps the caller's trust settings for an https provider",
      provider: "https://wms.example.com/qimen",
      stateChange: "https://wms.example.com/pact/provider-states",
      env: CALLERS_STORE,
    },
    {
      name: "keeps the caller's trust settings for an https state-change URL",
      provider: "http://wms.example.com/qimen",
      stateChange: "https://wms.example.com/pact/provider-states",
      env: CALLERS_STORE,
    },
  ];
  for (const { name, provider, stateChange, env } of CASES) {
    it(`${name}, and passes no PACT_*, proxy or secret variable`, () => {
      const targets = {
        providerUrl: new URL(provider),
        stateChangeUrl: stateChange === undefined ? undefined : new URL(stateChange),
      };
      expect(workerEnvironment(targets, CALLER, NONE)).to.deep.equal(env);
      expect(skipsCertificateStore(targets)).to.equal(env === WITHOUT_STORE);
    });
  }

  it("sets only PACT_DO_NOT_TRACK when the caller has nothing to pass on", () => {
    const targets = { providerUrl: new URL("https://wms.example.com/qimen"), stateChangeUrl: undefined };
    expect(workerEnvironment(targets, {}, NONE)).to.deep.equal({ PACT_DO_NOT_TRACK: "true" });
  });
});
