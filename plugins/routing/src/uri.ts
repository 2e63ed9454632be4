// URIs as a dial plan compares them: scheme and user@host, without parameters, port or display name.

export interface ParsedUri {
  /** `sip:joao@empresa.com` (lower-cased scheme and host; the user part keeps its case). */
  readonly normalized: string;
  readonly scheme: string;
  /** The user part (`joao`, `1001`), or the whole opaque part for `connectycube:12345`. */
  readonly user: string;
}

export function parseUri(uri: string): ParsedUri {
  const trimmed = uri.trim().replace(/^.*<(.*)>.*$/, '$1');
  const colon = trimmed.indexOf(':');
  if (colon <= 0) return { normalized: trimmed, scheme: '', user: trimmed };
  const scheme = trimmed.slice(0, colon).toLowerCase();
  const rest = trimmed.slice(colon + 1).split(/[;?]/)[0] ?? '';
  const at = rest.lastIndexOf('@');
  if (at < 0) return { normalized: `${scheme}:${rest}`, scheme, user: rest };
  const user = rest.slice(0, at);
  const host = (rest.slice(at + 1).split(':')[0] ?? '').toLowerCase();
  return { normalized: `${scheme}:${user}@${host}`, scheme, user };
}
