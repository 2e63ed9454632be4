// How ConnectyCube users and SIP identities are written as Party URIs, and compared.

const platformScheme = 'connectycube:';

/** `connectycube:12345` for a ConnectyCube user id. */
export function platformUri(userId: number): string {
  return `${platformScheme}${userId}`;
}

/** The user id in `connectycube:12345` or `12345`; undefined when the address names no ConnectyCube user. */
export function parseUserId(address: string): number | undefined {
  const text = address.startsWith(platformScheme) ? address.slice(platformScheme.length) : address;
  if (!/^\d+$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * A SIP URI reduced to what identifies a person: `user@host` without scheme, parameters or port,
 * lower-cased; `sip:1001@pbx;transport=udp` and `<sips:1001@PBX:5061>` are the same extension.
 * A configured URI without host (`sip:1001`) matches that user on any host.
 */
export function sipUriMatches(configured: string, actual: string): boolean {
  const want = sipKey(configured);
  const got = sipKey(actual);
  if (want.user !== got.user) return false;
  return want.host === undefined || want.host === got.host;
}

function sipKey(uri: string): { user: string; host: string | undefined } {
  const bare = uri
    .trim()
    .replace(/^<|>$/g, '')
    .replace(/^sips?:/i, '')
    .split(';')[0] as string;
  const at = bare.lastIndexOf('@');
  const user = at < 0 ? bare : bare.slice(0, at);
  const host = at < 0 ? undefined : (bare.slice(at + 1).split(':')[0] as string).toLowerCase();
  return { user, host: host === '' ? undefined : host };
}
