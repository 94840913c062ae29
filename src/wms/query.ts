export type ParsedQuery =
  | { readonly ok: true; readonly params: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly duplicates: readonly string[] };

/**
 * The query parameters of a Qimen call, URL-decoded the way the gateway encodes them (a space may
 * arrive as `+` or `%20`). A name given twice is refused rather than resolved: the signer and the
 * receiver could each pick a different copy, so any choice would make the signature meaningless.
 */
export function parseQuery(search: string): ParsedQuery {
  const params = new Map<string, string>();
  const duplicates = new Set<string>();
  for (const [name, value] of new URLSearchParams(search)) {
    if (params.has(name)) duplicates.add(name);
    params.set(name, value);
  }
  return duplicates.size === 0 ? { ok: true, params } : { ok: false, duplicates: [...duplicates] };
}

/** Stands in for the origin of an origin-form target: only the path and query are read. */
const ORIGIN_FORM_BASE = "http://origin-form.invalid";

/**
 * The path and raw query (without `?`, still URL-encoded) a request-target names, in origin form
 * (`/qimen?…`) or absolute form (`http://host:port/qimen?…`, which RFC 9112 obliges a server to
 * accept). An origin-form target is appended to a base rather than resolved against it, so `//qimen`
 * stays a path instead of naming a host. A target no URL can be made of (`*`) is its own path.
 */
export function requestTarget(target: string): { readonly pathname: string; readonly search: string } {
  try {
    const url = new URL(target.startsWith("/") ? ORIGIN_FORM_BASE + target : target);
    return { pathname: url.pathname, search: url.search.slice(1) };
  } catch {
    return { pathname: target, search: "" };
  }
}
