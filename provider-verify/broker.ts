import { request, type Dispatcher } from "undici";
import { transportError } from "../src/client/delivery-error.js";
import { QimenError } from "../src/protocol/errors.js";

/*
 * The Pact Broker's HAL API, the part a provider verification needs (as documented in the
 * broker's own API docs and followed by Pact's reference verifier):
 * - `GET /` (the index) names the `pb:provider-pacts-for-verification` relation, a URL template
 *   with `{provider}`, and `pb:pacticipant-branch-version`, with `{pacticipant}`, `{branch}`,
 *   `{version}`;
 * - `POST` to the pacts-for-verification URL with the consumer version selectors answers
 *   `_embedded.pacts[]`, each with its `shortDescription`, its `verificationProperties`
 *   (`pending`, `wip`, `notices`) and the pact's URL in `_links.self.href`;
 * - `GET` of that URL is the pact itself (its interactions carry the broker's `_id`), whose
 *   `_links["pb:publish-verification-results"]` takes one `POST` of the verification result;
 * - `PUT {}` to the branch-version URL puts the provider version on its branch.
 */

/** Pact's own names for the broker settings, read by every Pact tool. */
export const BROKER_ENV = {
  baseUrl: "PACT_BROKER_BASE_URL",
  token: "PACT_BROKER_TOKEN",
  username: "PACT_BROKER_USERNAME",
  password: "PACT_BROKER_PASSWORD",
} as const;

export type BrokerAuth =
  | { readonly kind: "none" }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "basic"; readonly username: string; readonly password: string };

/** The credentials the environment names: a token wins over a username and password, as in Pact's CLI. */
export function brokerAuthFromEnv(env: Readonly<Record<string, string | undefined>>): BrokerAuth {
  const token = env[BROKER_ENV.token];
  if (token !== undefined && token !== "") return { kind: "token", token };
  const username = env[BROKER_ENV.username];
  if (username !== undefined && username !== "") {
    return { kind: "basic", username, password: env[BROKER_ENV.password] ?? "" };
  }
  return { kind: "none" };
}

/** Every spelling of the credentials that could appear in text: as given and as sent on the wire. */
export function brokerSecrets(auth: BrokerAuth): string[] {
  switch (auth.kind) {
    case "none":
      return [];
    case "token":
      return [auth.token];
    case "basic":
      return [auth.password, basicCredentials(auth)].filter((secret) => secret !== "");
  }
}

/** Which credential was sent, in the environment's names, for messages about a refusal. */
export function describeCredentials(auth: BrokerAuth): string {
  switch (auth.kind) {
    case "none":
      return `no credentials were sent: set ${BROKER_ENV.token}, or ${BROKER_ENV.username} and ${BROKER_ENV.password}`;
    case "token":
      return `${BROKER_ENV.token} was sent as a bearer token`;
    case "basic":
      return `${BROKER_ENV.username} and ${BROKER_ENV.password} were sent as basic authentication (user "${auth.username}")`;
  }
}

function basicCredentials(auth: { readonly username: string; readonly password: string }): string {
  return Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
}

export interface BrokerConnection {
  /** The broker's base URL, a context path included when it has one. */
  readonly baseUrl: URL;
  readonly auth: BrokerAuth;
  /** Deadline of each request, connect and whole answer. */
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
}

/** The body of the pacts-for-verification request, in the broker's field names. */
export interface PactsForVerificationQuery {
  readonly provider: string;
  readonly consumerVersionSelectors: readonly Readonly<Record<string, unknown>>[];
  readonly includePendingStatus: boolean;
  readonly includeWipPactsSince?: string;
  readonly providerVersionBranch?: string;
}

/** One pact the broker says to verify, fetched. */
export interface BrokerPact {
  /** The pact's URL at the broker (`_links.self.href`). */
  readonly url: string;
  /** Why the broker selected it, e.g. "latest from main branch of qimen-erp". */
  readonly shortDescription: string;
  /** Failures do not fail the build (Pact's pending pacts). */
  readonly pending: boolean;
  /** Work in progress: verified, never failing the build either. */
  readonly wip: boolean;
  /** The broker's notices, to print before verifying. */
  readonly notices: readonly string[];
  /** The pact document as the broker sent it. */
  readonly text: string;
  /** Where its verification result goes (`pb:publish-verification-results`); absent on a broker that takes none. */
  readonly publishUrl?: string;
}

/** Default consumer version selectors: the consumers' main branch and whatever is deployed or released. */
export const DEFAULT_CONSUMER_VERSION_SELECTORS: readonly Readonly<Record<string, unknown>>[] = [
  { mainBranch: true },
  { deployedOrReleased: true },
];

/**
 * Asks the broker which pacts the provider must verify and fetches each. Throws QimenError
 * QIMEN_BROKER_NO_PACTS (naming the selectors) when there are none, and QIMEN_BROKER_* for a
 * broker that cannot be reached, refuses the credentials or answers otherwise than documented.
 */
export async function fetchPactsForVerification(
  connection: BrokerConnection,
  query: PactsForVerificationQuery,
): Promise<BrokerPact[]> {
  const index = await sendJson(connection, "GET", connection.baseUrl, "read the index");
  const forVerification = expand(linkHref(index, "pb:provider-pacts-for-verification", "index"), {
    provider: query.provider,
  });
  const body = {
    consumerVersionSelectors: query.consumerVersionSelectors,
    includePendingStatus: query.includePendingStatus,
    ...(query.includeWipPactsSince === undefined ? {} : { includeWipPactsSince: query.includeWipPactsSince }),
    ...(query.providerVersionBranch === undefined ? {} : { providerVersionBranch: query.providerVersionBranch }),
  };
  const answer = await sendJson(
    connection,
    "POST",
    resolve(connection, forVerification),
    "list the pacts to verify",
    body,
  );
  const listed = embeddedPacts(answer);
  if (listed.length === 0) {
    throw new QimenError(
      "QIMEN_BROKER_NO_PACTS",
      `the Pact Broker has no pacts for provider "${query.provider}" matching the consumer version selectors ${JSON.stringify(query.consumerVersionSelectors)}`,
      { context: { provider: query.provider, selectors: query.consumerVersionSelectors } },
    );
  }
  const pacts: BrokerPact[] = [];
  for (const entry of listed) {
    const text = await sendText(connection, "GET", resolve(connection, entry.url), "read a pact");
    const publishUrl = optionalLinkHref(parseJson(text, entry.url), "pb:publish-verification-results");
    pacts.push({ ...entry, text, ...(publishUrl === undefined ? {} : { publishUrl }) });
  }
  return pacts;
}

/** One verification result of one pact, in the broker's field names. */
export interface VerificationResultBody {
  readonly success: boolean;
  readonly providerApplicationVersion: string;
  readonly testResults: readonly TestResult[];
  readonly verifiedBy: { readonly implementation: string; readonly version: string };
}

export interface TestResult {
  readonly interactionId?: string;
  readonly interactionDescription: string;
  readonly success: boolean;
  readonly mismatches?: readonly {
    readonly attribute: string;
    readonly identifier?: string;
    readonly description: string;
  }[];
  readonly exceptions?: readonly { readonly message: string }[];
}

/** Posts one verification result to the pact's `pb:publish-verification-results` URL. */
export async function publishVerificationResult(
  connection: BrokerConnection,
  publishUrl: string,
  result: VerificationResultBody,
): Promise<void> {
  await sendJson(connection, "POST", resolve(connection, publishUrl), "publish verification results", result);
}

/** Puts the provider version on its branch (`pb:pacticipant-branch-version`), creating either as needed. */
export async function recordBranchVersion(
  connection: BrokerConnection,
  version: { readonly pacticipant: string; readonly branch: string; readonly version: string },
): Promise<void> {
  const index = await sendJson(connection, "GET", connection.baseUrl, "read the index");
  const template = linkHref(index, "pb:pacticipant-branch-version", "index");
  await sendJson(connection, "PUT", resolve(connection, expand(template, version)), "record the provider branch", {});
}

type Method = "GET" | "POST" | "PUT";

/**
 * A pact is hundreds of bytes per interaction; far more than any contract of this API, and a
 * broker streaming without end is cut off here.
 */
export const MAX_BROKER_ANSWER_BYTES = 64 * 1024 * 1024;

async function sendJson(
  connection: BrokerConnection,
  method: Method,
  url: URL,
  purpose: string,
  body?: unknown,
): Promise<unknown> {
  return parseJson(await sendText(connection, method, url, purpose, body), url.href);
}

async function sendText(
  connection: BrokerConnection,
  method: Method,
  url: URL,
  purpose: string,
  body?: unknown,
): Promise<string> {
  const headers: Record<string, string> = {
    accept: "application/hal+json, application/json",
    ...authorization(connection.auth),
    ...(body === undefined ? {} : { "content-type": "application/json" }),
  };
  const where = `${method} ${url.origin}${url.pathname}`;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(connection.dispatcher === undefined ? {} : { dispatcher: connection.dispatcher }),
      headersTimeout: connection.timeoutMs,
      bodyTimeout: connection.timeoutMs,
      signal: AbortSignal.timeout(connection.timeoutMs),
    });
  } catch (cause) {
    throw unreachable(connection, where, cause);
  }
  let text: string | undefined;
  try {
    text = await readCapped(response.body);
  } catch (cause) {
    throw unreachable(connection, where, cause);
  }
  if (text === undefined) {
    throw new QimenError("QIMEN_BROKER_HTTP", `${where} answered more than ${MAX_BROKER_ANSWER_BYTES} bytes`, {
      context: { url: `${url.origin}${url.pathname}` },
    });
  }
  const status = response.statusCode;
  if (status === 401 || status === 403) {
    const meaning =
      status === 401
        ? "refused the credentials"
        : `accepted the credentials but does not allow them to ${purpose} (a read-only token?)`;
    throw new QimenError(
      "QIMEN_BROKER_AUTH",
      `the Pact Broker ${meaning}: ${where} answered HTTP ${status}; ${describeCredentials(connection.auth)}`,
      { context: { status, url: `${url.origin}${url.pathname}` } },
    );
  }
  if (status < 200 || status > 299) {
    throw new QimenError(
      "QIMEN_BROKER_HTTP",
      `the Pact Broker could not ${purpose}: ${where} answered HTTP ${status}${excerpt(text)}`,
      { context: { status, url: `${url.origin}${url.pathname}` } },
    );
  }
  return text;
}

function authorization(auth: BrokerAuth): Record<string, string> {
  switch (auth.kind) {
    case "none":
      return {};
    case "token":
      return { authorization: `Bearer ${auth.token}` };
    case "basic":
      return { authorization: `Basic ${basicCredentials(auth)}` };
  }
}

function unreachable(connection: BrokerConnection, where: string, cause: unknown): QimenError {
  const errno = (cause as { code?: unknown } | null)?.code;
  const timedOut = (cause as { name?: unknown } | null)?.name === "TimeoutError" || errno === "UND_ERR_HEADERS_TIMEOUT";
  const known = transportError(cause, { endpoint: where, attempt: 1 });
  const why = timedOut
    ? `no answer within ${connection.timeoutMs} ms`
    : known?.code === "QIMEN_CONNECTION_REFUSED"
      ? "connection refused or host not reachable"
      : cause instanceof Error
        ? cause.message
        : String(cause);
  return new QimenError(
    "QIMEN_BROKER_UNREACHABLE",
    `the Pact Broker at ${connection.baseUrl.origin} is unreachable: ${where}: ${why}${typeof errno === "string" ? ` (${errno})` : ""}`,
    { context: { url: connection.baseUrl.origin }, cause },
  );
}

/** The body as text; undefined past MAX_BROKER_ANSWER_BYTES. */
async function readCapped(body: Dispatcher.ResponseData["body"]): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_BROKER_ANSWER_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The start of an error answer, on one line: the broker explains refusals in its body. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line === "" ? "" : `: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new QimenError(
      "QIMEN_BROKER_HTTP",
      `the Pact Broker answered ${where} with no JSON: ${(cause as Error).message}`,
      {
        context: { url: where },
        cause,
      },
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalLinkHref(document: unknown, relation: string): string | undefined {
  const links = isRecord(document) ? document["_links"] : undefined;
  const link = isRecord(links) ? links[relation] : undefined;
  const href = isRecord(link) ? link["href"] : undefined;
  return typeof href === "string" && href !== "" ? href : undefined;
}

function linkHref(document: unknown, relation: string, what: string): string {
  const href = optionalLinkHref(document, relation);
  if (href === undefined) {
    throw new QimenError(
      "QIMEN_BROKER_HTTP",
      `the Pact Broker's ${what} has no "${relation}" link: is this a Pact Broker (2.86 or later)?`,
      { context: { relation } },
    );
  }
  return href;
}

/** A HAL URL template with each `{name}` replaced by its value, percent-encoded. */
function expand(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : encodeURIComponent(value);
  });
}

/**
 * A link's URL, on the configured broker's origin: a broker behind a proxy may write links with
 * its internal host name, and the credentials must never go to a host the user did not name.
 * (Pact's reference verifier likewise keeps only the link's path.)
 */
function resolve(connection: BrokerConnection, href: string): URL {
  const url = new URL(href, connection.baseUrl);
  if (url.origin === connection.baseUrl.origin) return url;
  return new URL(url.pathname + url.search, connection.baseUrl.origin);
}

function embeddedPacts(answer: unknown): Omit<BrokerPact, "text" | "publishUrl">[] {
  const embedded = isRecord(answer) ? answer["_embedded"] : undefined;
  const pacts = isRecord(embedded) ? embedded["pacts"] : undefined;
  if (!Array.isArray(pacts)) {
    throw new QimenError("QIMEN_BROKER_HTTP", "the Pact Broker's list of pacts to verify has no _embedded.pacts", {});
  }
  return pacts.map((entry: unknown) => {
    const url = optionalLinkHref(entry, "self");
    if (url === undefined || !isRecord(entry)) {
      throw new QimenError(
        "QIMEN_BROKER_HTTP",
        "a pact in the Pact Broker's list to verify has no _links.self.href",
        {},
      );
    }
    const properties = isRecord(entry["verificationProperties"]) ? entry["verificationProperties"] : {};
    const notices = Array.isArray(properties["notices"]) ? properties["notices"] : [];
    const description = entry["shortDescription"];
    return {
      url,
      shortDescription: typeof description === "string" ? description : url,
      pending: properties["pending"] === true,
      wip: properties["wip"] === true,
      notices: notices.flatMap((notice: unknown) =>
        isRecord(notice) && typeof notice["text"] === "string" ? [notice["text"]] : [],
      ),
    };
  });
}
