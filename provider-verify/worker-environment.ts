/** Variables that tell Node which certificate authorities to trust (and OpenSSL, hence the Pact core). */
const TLS_TRUST_VARIABLES = ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"] as const;

export interface WorkerTargets {
  readonly providerUrl: URL;
  readonly stateChangeUrl: URL | undefined;
}

/** An empty certificate file and an empty directory: where the workers find no certificate at all. */
export interface NoCertificates {
  readonly file: string;
  readonly directory: string;
}

/**
 * Whether the workers may skip the system certificate store. The Pact core builds an HTTP client
 * for every interaction and each time parses the whole store (~10 ms of CPU, most of what a
 * verification costs); pointed at empty locations it parses nothing. That is safe only when
 * nothing in a worker ever opens a TLS connection: the provider and state-change URLs are plain
 * http and the contracts are local files (verify reads no broker), so the core talks only to
 * our loopback relay, and the relay speaks only plain http. Node itself reads the same variables when
 * it uses OpenSSL's store (--use-openssl-ca, some distributions' builds), so HTTPS keeps the store.
 */
export function skipsCertificateStore(targets: WorkerTargets): boolean {
  return [targets.providerUrl, targets.stateChangeUrl].every((url) => url === undefined || url.protocol === "http:");
}

/**
 * The environment of a verification worker: clean, so PACT_* variables of the caller cannot
 * filter interactions away and no proxy variable reroutes loopback calls; PACT_DO_NOT_TRACK set;
 * the caller's NODE_OPTIONS; and either no certificate store (see skipsCertificateStore) or the
 * caller's own TLS trust settings, a private CA in NODE_EXTRA_CA_CERTS included.
 */
export function workerEnvironment(
  targets: WorkerTargets,
  callerEnv: Readonly<Record<string, string | undefined>>,
  none: NoCertificates,
): Record<string, string> {
  const env: Record<string, string> = { PACT_DO_NOT_TRACK: "true" };
  const nodeOptions = callerEnv["NODE_OPTIONS"];
  if (nodeOptions !== undefined) env["NODE_OPTIONS"] = nodeOptions;
  if (skipsCertificateStore(targets)) return { ...env, SSL_CERT_FILE: none.file, SSL_CERT_DIR: none.directory };
  for (const name of TLS_TRUST_VARIABLES) {
    const value = callerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
