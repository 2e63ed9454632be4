// What a user configures: accounts (registration role), an optional trunk (listen role), limits and timers.
import type { MessageLimits } from './transport/MessageGuard.ts';
import type { RetransmitTimers } from './transport/Retransmitter.ts';
import type { SipDnsOptions } from './transport/SipResolver.ts';
import type { SipTlsOptions } from './transport/TcpTransport.ts';
import type { WebSocketTlsOptions } from './transport/WebSocketTlsTransport.ts';

export type SipTransportOptions =
  /** SIP over UDP from a local socket; `bindPort` 0 picks a free port. */
  | {
      readonly kind: 'udp';
      readonly bindHost?: string;
      readonly bindPort?: number;
      readonly advertisedHost?: string;
    }
  /** SIP over TCP: a listening socket (for requests to our Contact) plus connections per peer, CRLF keepalives. */
  | {
      readonly kind: 'tcp';
      readonly bindHost?: string;
      readonly bindPort?: number;
      readonly advertisedHost?: string;
    }
  /** SIP over TLS: as TCP, verifying the server's certificate; `tls.cert`/`key` to listen or for mutual TLS. */
  | {
      readonly kind: 'tls';
      readonly tls: SipTlsOptions;
      readonly bindHost?: string;
      readonly bindPort?: number;
      readonly advertisedHost?: string;
    }
  /**
   * SIP over WebSocket (sip.js's own transport): `ws://` or `wss://`. Node's WebSocket by default (server
   * certificate checked against Node's roots); with `tls`, trusted CAs and a client certificate for `wss://`.
   */
  | { readonly kind: 'ws'; readonly server: string; readonly tls?: WebSocketTlsOptions };

export interface SipAccountOptions {
  /** Name used in events and `call({ account })`; defaults to the AoR's user. */
  readonly name?: string;
  /** Address of record, e.g. `sip:1001@pbx.example.com`. */
  readonly aor: string;
  /**
   * Default: TLS (server certificate checked against Node's roots) when the registrar, or else the AoR, is a
   * `sips:` URI (RFC 3261 §19.1), UDP otherwise. A `sips:` registrar with UDP, TCP or WS is refused.
   */
  readonly transport?: SipTransportOptions;
  /** Digest user name; defaults to the AoR's user. */
  readonly username?: string;
  /** Digest password (never logged). */
  readonly password?: string;
  /** Digest HA1 = MD5(username:realm:password), instead of the password. */
  readonly ha1?: string;
  /**
   * Registrar URI; defaults to the AoR's domain. Also the outbound proxy unless `proxy` is set. A name is
   * resolved as RFC 3263 says: no port → DNS SRV (`_sip._udp`, `_sip._tcp`, `_sips._tcp`), then A/AAAA.
   */
  readonly registrar?: string;
  /** Outbound proxy (UDP), e.g. `sip:127.0.0.1:5060`: out-of-dialog requests get it as a loose Route. */
  readonly proxy?: string;
  /** Register at all (default true); false makes a call-only account. */
  readonly register?: boolean;
  /** Requested registration lifetime, seconds (default 600). */
  readonly expiresSec?: number;
  /**
   * Keepalive interval, seconds (default 30; 0 turns it off): OPTIONS to the proxy on UDP, CRLF on TCP
   * (on connections we opened) and on WebSocket (sip.js's own). An OPTIONS unanswered within the interval (at
   * most 10 s) counts as a lost registrar: the account registers again at once.
   */
  readonly keepaliveSec?: number;
  /**
   * Back-off while registering fails: first delay and ceiling (default 1 s and 60 s), each delay within ±20 %.
   * A registration that was up and is lost (flow closed, keepalive unanswered, refresh failed) is first retried
   * at once.
   */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
}

export interface SipTrunkOptions {
  /** Name used in `incoming$` (`via.name`) and `call({ account })`; default `trunk`. */
  readonly name?: string;
  /** Where to listen. */
  readonly listen: { readonly host: string; readonly port: number };
  /** Default `udp`. */
  readonly transport?: 'udp' | 'tcp' | 'tls';
  /** Certificate and key (and CA for client certificates) when `transport` is `tls`. */
  readonly tls?: SipTlsOptions;
  readonly advertisedHost?: string;
  /** Sources allowed to send requests, as CIDRs (`10.0.0.0/8`, `127.0.0.1/32`, `::1/128`). Empty or unset: anyone. */
  readonly allowFrom?: readonly string[];
  /** What a disallowed source gets: `reject` (403, default) or `drop` (silence). */
  readonly disallowed?: 'reject' | 'drop';
  /**
   * Digest challenge (optional): out-of-dialog requests from allowed sources (OPTIONS, ACK and CANCEL
   * excepted) need credentials of one of these users, or get 401; wrong credentials get 403.
   */
  readonly auth?: SipTrunkAuthOptions;
  /** User part of our Contact; default `cubebridge`. */
  readonly user?: string;
  /**
   * Defaults against scanners and floods on a public port: rate limiting per source IP and scanner User-Agent
   * blocking, both on unless turned off here. Every refusal for security reasons is logged at `warn` as
   * `SIP security: refused` with `{ reason, ip, port, method, userAgent }` (see the README for a fail2ban filter).
   */
  readonly security?: SipTrunkSecurityOptions;
}

export interface SipTrunkSecurityOptions {
  /**
   * Pike-style rate limit on out-of-dialog requests per source IP (requests of a live call are never counted);
   * `false` turns it off. Default `{ requests: 30, windowSec: 2, blockSec: 60, answer: 'drop', maxSources: 10000 }`.
   */
  readonly rateLimit?: false | SipRateLimitOptions;
  /**
   * Case-insensitive substrings of `User-Agent` whose requests are dropped silently (logged once per source per
   * `blockSec`). Default `defaultScannerUserAgents`; `[...defaultScannerUserAgents, 'x']` extends it, `[]` turns it off.
   */
  readonly scannerUserAgents?: readonly string[];
}

export interface SipRateLimitOptions {
  /** Out-of-dialog requests a source may send within the window (default 30). */
  readonly requests?: number;
  /** The sliding window, seconds (default 2). */
  readonly windowSec?: number;
  /** How long a source over the limit stays blocked, seconds (default 60). */
  readonly blockSec?: number;
  /** What a blocked source's requests get: `drop` (silence, default) or `reject` (503 with Retry-After). */
  readonly answer?: 'drop' | 'reject';
  /** Sources tracked at most (default 10000); past that, the least recently seen is forgotten. */
  readonly maxSources?: number;
}

export interface SipTrunkAuthOptions {
  /** The realm of the challenge, e.g. the gateway's domain. */
  readonly realm: string;
  /** User name → password, or `{ ha1 }` = MD5(user:realm:password) (never logged). */
  readonly users: Readonly<Record<string, string | { readonly ha1: string }>>;
  /** How long a nonce is good for, seconds (default 300); after that the caller is challenged with `stale=true`. */
  readonly nonceTtlSec?: number;
}

export interface SipAdapterOptions {
  readonly accounts?: readonly SipAccountOptions[];
  readonly trunk?: SipTrunkOptions;
  /** Size limits for incoming messages (UDP and TCP). */
  readonly limits?: Partial<MessageLimits>;
  /** RFC 3261 T1/T2 for UDP retransmissions (default 500 ms / 4 s). */
  readonly timers?: Partial<RetransmitTimers>;
  /**
   * RFC 4028 session timers, seconds (default 1800; 0 turns them off): asked for in our INVITEs and granted
   * to callers that ask; the refresher re-INVITEs at half the interval, the other side ends a silent session.
   */
  readonly sessionTimerSec?: number;
  /**
   * RFC 4028 Min-SE, seconds (default 90, the RFC's floor): an INVITE or UPDATE asking for a shorter session
   * interval gets 422 with this Min-SE, and our INVITEs carry it (and never ask for less).
   */
  readonly minSessionExpiresSec?: number;
  /** How SIP URIs with names are resolved (RFC 3263: SRV, then A/AAAA); default the system's DNS. */
  readonly dns?: SipDnsOptions;
  /**
   * TCP and TLS: a connection (accepted or opened) that carried no SIP message for this long is closed,
   * unless a call or registration of ours still uses it. Seconds, default 120; 0 keeps them open.
   */
  readonly connectionIdleTimeoutSec?: number;
  /** Unanswered inbound calls get 480 after this many seconds (default 60). */
  readonly noAnswerTimeoutSec?: number;
  readonly userAgentString?: string;
}
