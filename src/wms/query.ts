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
