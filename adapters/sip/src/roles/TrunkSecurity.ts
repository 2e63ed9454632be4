// The trunk's defaults against what finds a public SIP port within minutes: scanners (dropped by User-Agent,
// as drachtio and Kamailio's sample config do) and floods (pike-style rate limit per source IP), plus one
// stable, fail2ban-friendly log line for every refusal for security reasons (allow-list, digest, both above).
import type { Logger } from '@cubebridge/core';
import { SipOptionsError } from '../errors.ts';
import type { SipTrunkSecurityOptions } from '../SipAdapterOptions.ts';
import { statelessResponse } from '../transport/MessageGuard.ts';
import type { SocketAddress } from '../transport/SipResolver.ts';
import type { SecurityRefusal, SipSecurityScreen } from '../transport/SipWireCodec.ts';
import { firstHeader, type SipWireMessage } from '../transport/SipWireMessage.ts';
import { SourceRateLimiter } from './SourceRateLimiter.ts';

/**
 * User-Agent substrings of well-known SIP scanners (SIPVicious and its `friendly-scanner` default, sipcli,
 * sip-scan, the VaxSIP SDK's default UA, pplsip, sundayddr, iWar, SIVuS), matched case-insensitively.
 */
export const defaultScannerUserAgents: readonly string[] = [
  'friendly-scanner',
  'sipvicious',
  'sipcli',
  'sip-cli',
  'sip-scan',
  'VaxSIPUserAgent',
  'VaxIPUserAgent',
  'pplsip',
  'sundayddr',
  'iWar',
  'SIVuS',
];

/** The message of every security log line: stable, so log filters (fail2ban) can key on it. */
export const securityLogMessage = 'SIP security: refused';

const defaults = { requests: 30, windowSec: 2, blockSec: 60, answer: 'drop', maxSources: 10_000 } as const;
/** Long enough for any real User-Agent; an attacker's string is cut here. */
const maxLoggedUserAgent = 120;

export class TrunkSecurity implements SipSecurityScreen {
  readonly #logger: Logger;
  readonly #liveSession: (id: string) => boolean;
  readonly #rateLimit: SourceRateLimiter | undefined;
  readonly #answer: 'drop' | 'reject';
  readonly #scanners: readonly string[];
  /** "Blocks" a source on its first scanner request, so that only that one is logged per period. */
  readonly #scannerLogged: SourceRateLimiter;

  /**
   * `liveSession`: whether sip.js has a session (early or confirmed) of this id, Call-ID + the From tag of its
   * INVITE; requests of those are never limited.
   */
  constructor(
    options: SipTrunkSecurityOptions | undefined,
    logger: Logger,
    liveSession: (id: string) => boolean,
    now: () => number = Date.now,
  ) {
    this.#logger = logger;
    this.#liveSession = liveSession;
    const rate = options?.rateLimit === false ? undefined : { ...defaults, ...options?.rateLimit };
    for (const [name, value] of Object.entries(rate ?? {})) {
      if (typeof value === 'number' && !(Number.isFinite(value) && value > 0))
        throw new SipOptionsError(`trunk.security.rateLimit.${name}: a positive number`);
    }
    this.#answer = rate?.answer ?? 'drop';
    this.#rateLimit = rate
      ? new SourceRateLimiter(
          {
            requests: rate.requests,
            windowMs: rate.windowSec * 1000,
            blockMs: rate.blockSec * 1000,
            maxSources: rate.maxSources,
          },
          now,
        )
      : undefined;
    const periodMs = (rate?.blockSec ?? defaults.blockSec) * 1000;
    this.#scannerLogged = new SourceRateLimiter(
      {
        requests: 0,
        windowMs: periodMs,
        blockMs: periodMs,
        maxSources: rate?.maxSources ?? defaults.maxSources,
      },
      now,
    );
    this.#scanners = (options?.scannerUserAgents ?? defaultScannerUserAgents)
      .filter((each) => each.length > 0)
      .map((each) => each.toLowerCase());
  }

  /**
   * Before anything else looks at a message (`undefined`: unreadable): scanners and sources over the limit are
   * refused here; responses and requests of a live call always pass.
   */
  screen(message: SipWireMessage | undefined, from: SocketAddress): SecurityRefusal | undefined {
    if (message?.status !== undefined) return undefined;
    if (message && this.#ofLiveCall(message)) return undefined;
    const userAgent = message && firstHeader(message, 'user-agent');
    if (userAgent && this.#isScanner(userAgent)) {
      const seen = this.#scannerLogged.hit(from.address);
      if (seen.kind === 'blocked' && seen.started) this.#log('scanner', message, from);
      return { kind: 'drop', reason: 'scanner' };
    }
    const verdict = this.#rateLimit?.hit(from.address);
    if (verdict?.kind !== 'blocked') return undefined;
    if (verdict.started) this.#log('rate-limited', message, from);
    const response =
      this.#answer === 'reject' && message && message.method !== 'ACK'
        ? statelessResponse(message, 503, 'Service Unavailable', [`Retry-After: ${verdict.retryAfterSec}`])
        : undefined;
    return response
      ? { kind: 'reply', response, reason: 'rate-limited' }
      : { kind: 'drop', reason: 'rate-limited' };
  }

  /** A request refused further on (allow-list, wrong digest credentials): logged, one line each. */
  refused(reason: 'not-allowed' | 'digest', message: SipWireMessage, from: SocketAddress): void {
    this.#log(reason, message, from);
  }

  /**
   * Exact ids only (a guessed prefix must not exempt anything): the caller's requests carry the INVITE's From
   * tag in From, the callee's (on calls we placed) in To.
   */
  #ofLiveCall(message: SipWireMessage): boolean {
    const callId = firstHeader(message, 'call-id');
    if (!callId) return false;
    const fromTag = tagOf(firstHeader(message, 'from'));
    const toTag = tagOf(firstHeader(message, 'to'));
    return (
      (fromTag !== undefined && this.#liveSession(callId + fromTag)) ||
      (toTag !== undefined && this.#liveSession(callId + toTag))
    );
  }

  #isScanner(userAgent: string): boolean {
    const lower = userAgent.toLowerCase();
    return this.#scanners.some((each) => lower.includes(each));
  }

  /** One line, always the same message and field order (reason and ip first: see the README's fail2ban filter). */
  #log(reason: string, message: SipWireMessage | undefined, from: SocketAddress): void {
    const userAgent = message && firstHeader(message, 'user-agent');
    this.#logger.warn(
      {
        reason,
        ip: from.address,
        port: from.port,
        method: message?.method,
        userAgent: userAgent?.slice(0, maxLoggedUserAgent),
      },
      securityLogMessage,
    );
  }
}

function tagOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /;\s*tag=([^;\s]+)/i.exec(header)?.[1];
}
