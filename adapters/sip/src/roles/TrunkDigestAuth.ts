// The trunk's optional digest challenge (RFC 3261 §22, RFC 2617/7616 MD5 with and without qop=auth):
// decides, before sip.js sees a request, whether it passes, gets a 401 challenge, or is refused with 403.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SipOptionsError } from '../errors.ts';
import type { SipTrunkAuthOptions } from '../SipAdapterOptions.ts';
import { firstHeader, type SipWireMessage, topVia } from '../transport/SipWireMessage.ts';

/** Methods never challenged: OPTIONS (keepalives, probes), ACK and CANCEL (cannot be answered with 401). */
const unchallenged = new Set(['OPTIONS', 'ACK', 'CANCEL']);

export type DigestVerdict =
  | { readonly kind: 'pass' }
  | {
      readonly kind: 'refuse';
      readonly status: 401 | 403;
      readonly reason: string;
      /** `WWW-Authenticate: …` for a 401. */
      readonly headers: readonly string[];
      /** Why, for logs; never contains a secret. */
      readonly why: string;
    };

interface NonceUse {
  readonly issuedMs: number;
  /** Highest nonce count accepted (0 for a request without qop, which may use a nonce once). */
  nc: number;
  /** Via branch + method of the request that used `nc`: its retransmissions pass again. */
  transaction: string;
}

export class TrunkDigestAuth {
  readonly #realm: string;
  readonly #ha1ByUser = new Map<string, string>();
  readonly #nonceTtlMs: number;
  readonly #secret = randomBytes(32);
  readonly #uses = new Map<string, NonceUse>();
  readonly #now: () => number;

  constructor(options: SipTrunkAuthOptions, now: () => number = Date.now) {
    if (!options.realm || /["\\\r\n]/.test(options.realm))
      throw new SipOptionsError('trunk.auth.realm: a realm without quotes, backslashes or line breaks');
    this.#realm = options.realm;
    this.#nonceTtlMs = (options.nonceTtlSec ?? 300) * 1000;
    this.#now = now;
    for (const [user, secret] of Object.entries(options.users)) {
      const ha1 = typeof secret === 'string' ? md5(`${user}:${options.realm}:${secret}`) : secret.ha1;
      if (!/^[0-9a-f]{32}$/i.test(ha1))
        throw new SipOptionsError(`trunk.auth.users.${user}: ha1 must be 32 hex digits`);
      this.#ha1ByUser.set(user, ha1.toLowerCase());
    }
    if (this.#ha1ByUser.size === 0) throw new SipOptionsError('trunk.auth.users: at least one user');
  }

  /** The verdict on one request from an allowed source. In-dialog requests (To tag) pass: the dialog vouches. */
  check(message: SipWireMessage): DigestVerdict {
    const method = message.method;
    if (method === undefined || unchallenged.has(method)) return { kind: 'pass' };
    if (/;\s*tag=/i.test(firstHeader(message, 'to') ?? '')) return { kind: 'pass' };
    this.#forgetExpired();
    const credentials = parseDigest(firstHeader(message, 'authorization'));
    if (!credentials || credentials.realm !== this.#realm)
      return this.#challenge(false, 'no credentials for our realm');
    const nonce = credentials.nonce ?? '';
    const issuedMs = this.#nonceIssuedAt(nonce);
    if (issuedMs === undefined) return this.#challenge(false, 'a nonce we did not issue');
    const username = credentials.username ?? '';
    const ha1 = this.#ha1ByUser.get(username);
    if (!ha1 || !this.#responseMatches(ha1, method, credentials))
      return forbidden(`wrong credentials for user '${username}'`);
    if (this.#now() - issuedMs > this.#nonceTtlMs) return this.#challenge(true, 'expired nonce');
    const transaction = `${topVia(message)?.params.get('branch') ?? ''} ${method}`;
    const nc = credentials.qop === undefined ? 0 : Number.parseInt(credentials.nc ?? '', 16);
    const use = this.#uses.get(nonce);
    if (use && use.transaction !== transaction && nc <= use.nc)
      return this.#challenge(true, `replayed nonce count ${credentials.nc ?? '(none)'}`);
    if (use && use.transaction === transaction && nc < use.nc)
      return this.#challenge(true, 'stale nonce count');
    if (use) {
      use.nc = nc;
      use.transaction = transaction;
    } else this.#uses.set(nonce, { issuedMs, nc, transaction });
    return { kind: 'pass' };
  }

  #responseMatches(ha1: string, method: string, credentials: DigestCredentials): boolean {
    const { nonce = '', uri = '', response = '', qop, nc = '', cnonce = '' } = credentials;
    if (credentials.algorithm !== undefined && credentials.algorithm.toUpperCase() !== 'MD5') return false;
    const ha2 = md5(`${method}:${uri}`);
    let expected: string;
    if (qop === undefined) expected = md5(`${ha1}:${nonce}:${ha2}`);
    else if (qop === 'auth' && /^[0-9a-f]{8}$/i.test(nc) && cnonce !== '')
      expected = md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
    else return false;
    const given = Buffer.from(response.toLowerCase());
    return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
  }

  /** A nonce is `<issued ms, base36>.<random>.<HMAC of both>`: we can check it without remembering it. */
  #newNonce(): string {
    const body = `${this.#now().toString(36)}.${randomBytes(8).toString('hex')}`;
    return `${body}.${this.#mac(body)}`;
  }

  #nonceIssuedAt(nonce: string): number | undefined {
    const cut = nonce.lastIndexOf('.');
    const body = nonce.slice(0, cut);
    const mac = Buffer.from(nonce.slice(cut + 1));
    const expected = Buffer.from(this.#mac(body));
    if (cut < 0 || mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    const issued = Number.parseInt(body.split('.')[0] ?? '', 36);
    return Number.isFinite(issued) ? issued : undefined;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url').slice(0, 22);
  }

  #challenge(stale: boolean, why: string): DigestVerdict {
    const header =
      `WWW-Authenticate: Digest realm="${this.#realm}", nonce="${this.#newNonce()}", ` +
      `algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
    return { kind: 'refuse', status: 401, reason: 'Unauthorized', headers: [header], why };
  }

  #forgetExpired(): void {
    const oldest = this.#now() - this.#nonceTtlMs;
    for (const [nonce, use] of this.#uses) if (use.issuedMs < oldest) this.#uses.delete(nonce);
  }
}

function forbidden(why: string): DigestVerdict {
  return { kind: 'refuse', status: 403, reason: 'Forbidden', headers: [], why };
}

interface DigestCredentials {
  readonly username?: string;
  readonly realm?: string;
  readonly nonce?: string;
  readonly uri?: string;
  readonly response?: string;
  readonly algorithm?: string;
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
}

/** `Digest username="a", realm="b", nc=00000001, …` → its parameters (quoted or not); undefined if not Digest. */
function parseDigest(header: string | undefined): DigestCredentials | undefined {
  const match = header === undefined ? null : /^\s*Digest\s+(.*)$/is.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const param of (match[1] ?? '').matchAll(/([a-z0-9-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi)) {
    const name = (param[1] ?? '').toLowerCase();
    params[name] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : (param[3] ?? '');
  }
  return params;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
