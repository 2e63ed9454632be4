// What every SIP transport of ours does to a message on the wire, whatever carries it: swap sip.js's
// placeholder host for our address, check incoming messages (guard, allow-list), note where a request
// came from (RFC 3261 §18.2.1), and say where a request or response must go (§8.1.2, §18.2.2).
import type { BlockList } from 'node:net';
import { isIPv6 } from 'node:net';
import {
  defaultMessageLimits,
  inspectMessage,
  type MessageLimits,
  statelessResponse,
} from './MessageGuard.ts';
import type { DigestVerdict } from '../roles/TrunkDigestAuth.ts';
import { SipResolveError, SipResolver, type SocketAddress } from './SipResolver.ts';
import {
  firstHeader,
  parseUriTarget,
  parseVia,
  parseWireMessage,
  type SipUriTarget,
  type SipWireMessage,
  splitHeaderList,
  topVia,
} from './SipWireMessage.ts';

export interface SipWireOptions {
  /** The placeholder host sip.js writes into Via and Contact (its `viaHost` option); replaced on the wire. */
  readonly viaHost: string;
  readonly limits?: MessageLimits;
  /** Trunk role: only sources in this list may send requests. */
  readonly allowFrom?: BlockList;
  /** What a request from a source outside `allowFrom` gets. */
  readonly disallowed?: 'reject' | 'drop';
  /** Trunk role: the digest challenge, asked about every request from an allowed source. */
  readonly authenticate?: (message: SipWireMessage) => DigestVerdict;
  /**
   * Trunk role: sip.js answers 404 to a Request-URI whose user is not its own, so out-of-dialog requests
   * get this user written in and the original URI kept in `originalRequestUriHeader`.
   */
  readonly acceptAnyRequestUser?: string;
  /**
   * Trunk role: rate limits, scanner blocking and the log line of every refusal for security reasons. Asked
   * first about every message; allow-list and digest refusals are logged through it instead of `onRefused`.
   */
  readonly security?: SipSecurityScreen;
  /** Called for every message dropped or refused (for logs and tests). */
  readonly onRefused?: (reason: string, from: SocketAddress) => void;
  /** Names to addresses (RFC 3263); default: a resolver on the system's DNS. */
  readonly resolver?: SipResolver;
}

/** Private header carrying the Request-URI as received, when `acceptAnyRequestUser` rewrote it. */
export const originalRequestUriHeader = 'X-CubeBridge-Request-URI';

export type SecurityRefusal =
  | { readonly kind: 'reply'; readonly response: string; readonly reason: string }
  | { readonly kind: 'drop'; readonly reason: string };

/** What the codec asks of the trunk's security (see `roles/TrunkSecurity.ts`). */
export interface SipSecurityScreen {
  /** Before the guard (`undefined`: an unreadable message): a refusal, or `undefined` to go on. */
  screen(message: SipWireMessage | undefined, from: SocketAddress): SecurityRefusal | undefined;
  /** Logs a request refused by the allow-list or by the digest check (403). */
  refused(reason: 'not-allowed' | 'digest', message: SipWireMessage, from: SocketAddress): void;
}

export type IncomingResult =
  | { readonly kind: 'deliver'; readonly text: string; readonly message: SipWireMessage }
  /** Answer statelessly (400/403/513) and deliver nothing. */
  | { readonly kind: 'reply'; readonly response: string; readonly reason: string }
  | { readonly kind: 'drop'; readonly reason: string };

export class SipWireCodec {
  readonly #options: SipWireOptions;
  readonly #protocol: 'udp' | 'tcp' | 'tls';
  readonly #resolver: SipResolver;
  #localHostPort = '';
  #localPattern: RegExp | undefined;

  constructor(options: SipWireOptions, protocol: 'udp' | 'tcp' | 'tls') {
    this.#options = options;
    this.#protocol = protocol;
    this.#resolver = options.resolver ?? new SipResolver();
  }

  /** Our address as written into Via and Contact, once the transport knows it. */
  setLocalAddress(host: string, port: number): void {
    this.#localHostPort = `${isIPv6(host) ? `[${host}]` : host}:${port}`;
    this.#localPattern = new RegExp(
      `${this.#localHostPort.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\d)`,
      'g',
    );
  }

  /**
   * sip.js's text → what goes on the wire, with where it must go: `destinations` in the order to try them
   * (RFC 3263 §4.3), never empty.
   */
  async outgoing(message: string): Promise<{
    wire: string;
    parsed: SipWireMessage;
    destinations: readonly SocketAddress[];
    host: string | undefined;
  }> {
    const wire = message.split(this.#options.viaHost).join(this.#localHostPort);
    const parsed = parseWireMessage(wire);
    if (!parsed) throw new Error('refusing to send an unparsable SIP message');
    const target = parsed.method !== undefined ? this.#requestTarget(parsed) : undefined;
    const destinations = target
      ? await this.#resolveTarget(target)
      : [await this.responseDestination(parsed)];
    return { wire, parsed, destinations, host: target?.host };
  }

  /**
   * Where a request to `uri` (a `sip:`/`sips:` URI, bare or in `<…>`) would go first, so that a caller can
   * fail early with the resolver's reason instead of sip.js's bare 503.
   * @throws SipResolveError
   */
  async resolveUri(uri: string): Promise<readonly SocketAddress[]> {
    const target = parseUriTarget(uri);
    if (!target) throw new SipResolveError(`'${uri}' is not a SIP URI`);
    return this.#resolveTarget(target);
  }

  /** One whole message from `from` → deliver to sip.js, answer statelessly, or drop. */
  incoming(data: Buffer, from: SocketAddress): IncomingResult {
    // Parsed once, cheaply, for both: a blocked source costs no grammar parse.
    const parsed = parseWireMessage(data.toString('utf8'));
    const security = this.#options.security;
    const screened = security?.screen(parsed, from);
    if (screened) return screened; // logged (once per source and period) by the screen itself
    const verdict = inspectMessage(data, this.#options.limits ?? defaultMessageLimits, parsed);
    if (verdict.kind === 'drop') return this.#refuse({ kind: 'drop', reason: verdict.reason }, from);
    if (verdict.kind === 'reply') {
      return this.#refuse(
        { kind: 'reply', response: verdict.response, reason: `${verdict.status} ${verdict.reason}` },
        from,
      );
    }
    const { message } = verdict;
    const head = verdict.text.indexOf('\r\n\r\n');
    let text = this.#localPattern
      ? verdict.text.slice(0, head).replace(this.#localPattern, this.#options.viaHost) +
        verdict.text.slice(head)
      : verdict.text;
    if (message.method !== undefined) {
      const allowFrom = this.#options.allowFrom;
      if (allowFrom && !allowFrom.check(from.address, isIPv6(from.address) ? 'ipv6' : 'ipv4')) {
        const response =
          this.#options.disallowed !== 'drop' && message.method !== 'ACK'
            ? statelessResponse(message, 403, 'Forbidden')
            : undefined;
        const reason = 'source not in the allow-list';
        const result = response
          ? { kind: 'reply' as const, response, reason }
          : { kind: 'drop' as const, reason };
        if (!security) return this.#refuse(result, from);
        security.refused('not-allowed', message, from);
        return result;
      }
      const verdict = this.#options.authenticate?.(message);
      if (verdict?.kind === 'refuse') {
        const response = statelessResponse(message, verdict.status, verdict.reason, verdict.headers);
        const reason = `digest: ${verdict.why}`;
        const result = response
          ? { kind: 'reply' as const, response, reason }
          : { kind: 'drop' as const, reason };
        // A 401 is the normal first half of an authenticated call; only wrong credentials (403) are refusals.
        if (!security || verdict.status !== 403) return this.#refuse(result, from);
        security.refused('digest', message, from);
        return result;
      }
      text = markReceived(text, from);
      text = this.#rewriteRequestUri(text, message);
    }
    return { kind: 'deliver', text, message };
  }

  /** RFC 3261 §18.2.2 with RFC 3581: `received` and `rport` of the top Via, else its sent-by. */
  async responseDestination(message: SipWireMessage): Promise<SocketAddress> {
    const via = topVia(message);
    if (!via) throw new Error('response without a usable Via');
    const rport = Number(via.params.get('rport'));
    const host = via.params.get('received') || via.host;
    // RFC 3263 §5: a sent-by name without a port is looked up as a URI would be (SRV, then A/AAAA).
    const [first] = await this.#resolver.resolve(
      host,
      Number.isInteger(rport) && rport > 0 ? rport : via.port,
      this.#protocol,
    );
    return first as SocketAddress;
  }

  async #resolveTarget(target: SipUriTarget): Promise<SocketAddress[]> {
    // RFC 3261 §26.2.2: a sips: URI must be reached over TLS, never in the clear.
    if (target.secure && this.#protocol !== 'tls') {
      throw new SipResolveError(
        `sips:${target.host} needs TLS, but this transport is ${this.#protocol.toUpperCase()}`,
      );
    }
    return this.#resolver.resolve(target.host, target.port, this.#protocol);
  }

  /** RFC 3261 §8.1.2 / §16.12: the first Route if there is one, otherwise the Request-URI. */
  #requestTarget(message: SipWireMessage): SipUriTarget {
    const route = firstHeader(message, 'route');
    const uri = route === undefined ? message.requestUri : splitHeaderList(route)[0];
    const target = uri === undefined ? undefined : parseUriTarget(uri);
    if (!target) throw new Error(`no destination for ${message.startLine}`);
    return target;
  }

  #rewriteRequestUri(text: string, message: SipWireMessage): string {
    const user = this.#options.acceptAnyRequestUser;
    const to = firstHeader(message, 'to') ?? '';
    if (user === undefined || /;\s*tag=/i.test(to) || message.requestUri === undefined) return text;
    const rewritten = message.requestUri.replace(/^(sips?:)(?:[^@]*@)?/i, `$1${user}@`);
    const lineEnd = text.indexOf('\r\n');
    return `${message.method} ${rewritten} SIP/2.0\r\n${originalRequestUriHeader}: ${message.requestUri}${text.slice(lineEnd)}`;
  }

  #refuse<T extends Exclude<IncomingResult, { kind: 'deliver' }>>(result: T, from: SocketAddress): T {
    this.#options.onRefused?.(result.reason, from);
    return result;
  }
}

/** RFC 3261 §18.2.1 and RFC 3581 §4: note where a request really came from in its top Via. */
function markReceived(text: string, from: SocketAddress): string {
  return text.replace(/^(Via|v)[ \t]*:[ \t]*([^\r\n]*)/im, (_line, name: string, value: string) => {
    const [top = '', ...rest] = splitHeaderList(value);
    const via = parseVia(top);
    let marked = top.replace(/;\s*rport(?=;|$)/i, `;rport=${from.port}`);
    if (via && (via.host !== from.address || via.params.has('rport')) && !via.params.has('received')) {
      marked += `;received=${from.address}`;
    }
    return `${name}: ${[marked, ...rest].join(', ')}`;
  });
}
