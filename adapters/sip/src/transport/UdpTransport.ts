// SIP over UDP for sip.js (which only ships WebSocket): Via/Contact with our real address, requests
// routed by Route / Request-URI, responses sent where RFC 3261 §18.2.2 says, retransmissions (timers
// A/E/G), and a guard that answers or drops malformed datagrams before sip.js parses them.
import dgram from 'node:dgram';
import type { BlockList } from 'node:net';
import { isIPv6 } from 'node:net';
import { EmitterImpl, type Transport, TransportState } from 'sip.js';
import {
  defaultMessageLimits,
  inspectMessage,
  type MessageLimits,
  statelessResponse,
} from './MessageGuard.ts';
import { Retransmitter, type RetransmitTimers } from './Retransmitter.ts';
import { resolveSipTarget, type SocketAddress } from './resolveSipTarget.ts';
import {
  firstHeader,
  parseUriTarget,
  parseVia,
  parseWireMessage,
  type SipWireMessage,
  splitHeaderList,
  topVia,
} from './SipWireMessage.ts';

export interface UdpTransportOptions {
  /** The placeholder host sip.js writes into Via and Contact (its `viaHost` option); replaced on the wire. */
  readonly viaHost: string;
  /** Address to bind. */
  readonly bindHost: string;
  /** Port to bind; 0 picks a free one. */
  readonly bindPort: number;
  /** Host to advertise in Via and Contact; defaults to `bindHost`. */
  readonly advertisedHost?: string;
  readonly limits?: MessageLimits;
  readonly timers?: RetransmitTimers;
  /** Trunk role: only sources in this list may send requests. */
  readonly allowFrom?: BlockList;
  /** What a request from a source outside `allowFrom` gets. */
  readonly disallowed?: 'reject' | 'drop';
  /**
   * Trunk role: sip.js answers 404 to a Request-URI whose user is not its own, so out-of-dialog requests
   * get this user written in and the original URI kept in `originalRequestUriHeader`.
   */
  readonly acceptAnyRequestUser?: string;
  /** Called for every message dropped or refused by the guard (for logs and tests). */
  readonly onRefused?: (reason: string, from: SocketAddress) => void;
}

/** Private header carrying the Request-URI as received, when `acceptAnyRequestUser` rewrote it. */
export const originalRequestUriHeader = 'X-CubeBridge-Request-URI';

interface SipJsLogger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const defaultTimers: RetransmitTimers = { t1Ms: 500, t2Ms: 4000 };

export class UdpTransport implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  readonly #logger: SipJsLogger;
  readonly #options: UdpTransportOptions;
  readonly #stateChange = new EmitterImpl<TransportState>();
  readonly #retransmitter: Retransmitter;
  #state: TransportState = TransportState.Disconnected;
  #socket: dgram.Socket | undefined;
  #localHostPort = '';
  #localPattern: RegExp | undefined;

  constructor(logger: SipJsLogger, options: UdpTransportOptions) {
    this.#logger = logger;
    this.#options = options;
    this.#retransmitter = new Retransmitter(options.timers ?? defaultTimers);
  }

  get protocol(): string {
    return 'UDP';
  }

  get state(): TransportState {
    return this.#state;
  }

  get stateChange(): EmitterImpl<TransportState> {
    return this.#stateChange;
  }

  /** The bound address, once connected. */
  get localAddress(): SocketAddress | undefined {
    const address = this.#socket?.address();
    return address ? { address: address.address, port: address.port } : undefined;
  }

  isConnected(): boolean {
    return this.#state === TransportState.Connected;
  }

  async connect(): Promise<void> {
    if (this.#state === TransportState.Connected) return;
    this.#setState(TransportState.Connecting);
    const socket = dgram.createSocket(isIPv6(this.#options.bindHost) ? 'udp6' : 'udp4');
    socket.on('message', (data, remote) =>
      this.#receive(data, { address: remote.address, port: remote.port }),
    );
    socket.on('error', (error) => this.#logger.warn(`UDP socket error: ${error.message}`));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(this.#options.bindPort, this.#options.bindHost, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.close();
      this.#setState(TransportState.Disconnected, error as Error);
      throw error;
    }
    this.#socket = socket;
    const host = this.#options.advertisedHost ?? this.#options.bindHost;
    this.#localHostPort = `${isIPv6(host) ? `[${host}]` : host}:${socket.address().port}`;
    this.#localPattern = new RegExp(`${escapeRegExp(this.#localHostPort)}(?!\\d)`, 'g');
    this.#setState(TransportState.Connected);
  }

  async disconnect(): Promise<void> {
    if (this.#state === TransportState.Disconnected) return;
    this.#setState(TransportState.Disconnecting);
    this.#retransmitter.close();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.#setState(TransportState.Disconnected);
  }

  async dispose(): Promise<void> {
    await this.disconnect();
  }

  async send(message: string): Promise<void> {
    const socket = this.#socket;
    if (!socket || !this.isConnected()) throw new Error('UDP transport is not connected');
    const wire = message.split(this.#options.viaHost).join(this.#localHostPort);
    const parsed = parseWireMessage(wire);
    if (!parsed) throw new Error('refusing to send an unparsable SIP message');
    const destination =
      parsed.method !== undefined
        ? await this.#requestDestination(parsed)
        : await this.#responseDestination(parsed);
    const resend = () => {
      if (this.#socket === socket) socket.send(wire, destination.port, destination.address);
    };
    await new Promise<void>((resolve, reject) =>
      socket.send(wire, destination.port, destination.address, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    this.#retransmitter.sent(parsed, resend);
  }

  /** RFC 3261 §8.1.2 / §16.12: the first Route if there is one, otherwise the Request-URI. */
  async #requestDestination(message: SipWireMessage): Promise<SocketAddress> {
    const route = firstHeader(message, 'route');
    const uri = route === undefined ? message.requestUri : splitHeaderList(route)[0];
    const target = uri === undefined ? undefined : parseUriTarget(uri);
    if (!target) throw new Error(`no destination for ${message.startLine}`);
    return resolveSipTarget(target.host, target.port, 'udp');
  }

  /** RFC 3261 §18.2.2 with RFC 3581: `received` and `rport` of the top Via, else its sent-by. */
  async #responseDestination(message: SipWireMessage): Promise<SocketAddress> {
    const via = topVia(message);
    if (!via) throw new Error('response without a usable Via');
    const rport = Number(via.params.get('rport'));
    const host = via.params.get('received') || via.host;
    return resolveSipTarget(host, Number.isInteger(rport) && rport > 0 ? rport : (via.port ?? 5060), 'udp');
  }

  #receive(data: Buffer, from: SocketAddress): void {
    try {
      if (data.toString('latin1').trim() === '') return; // CRLF keepalive (RFC 5626 §4.4.1 style)
      const verdict = inspectMessage(data, this.#options.limits ?? defaultMessageLimits);
      if (verdict.kind === 'drop') {
        this.#refused(verdict.reason, from);
        return;
      }
      if (verdict.kind === 'reply') {
        this.#refused(`${verdict.status} ${verdict.reason}`, from);
        this.#replyTo(verdict.response, from);
        return;
      }
      const { message } = verdict;
      const head = verdict.text.indexOf('\r\n\r\n');
      let text = this.#localPattern
        ? verdict.text.slice(0, head).replace(this.#localPattern, this.#options.viaHost) +
          verdict.text.slice(head)
        : verdict.text;
      if (message.method !== undefined) {
        if (
          this.#options.allowFrom &&
          !this.#options.allowFrom.check(from.address, isIPv6(from.address) ? 'ipv6' : 'ipv4')
        ) {
          this.#refused('source not in the allow-list', from);
          if (this.#options.disallowed !== 'drop' && message.method !== 'ACK') {
            const response = statelessResponse(message, 403, 'Forbidden');
            if (response) this.#replyTo(response, from);
          }
          return;
        }
        text = this.#markReceived(text, from);
        text = this.#rewriteRequestUri(text, message);
      }
      this.#retransmitter.received(message);
      this.onMessage?.(text);
    } catch (error) {
      // Whatever sip.js throws on one message must not take the socket (or the process) down.
      this.#logger.error(
        `failed to handle a message from ${from.address}:${from.port}: ${(error as Error).message}`,
      );
    }
  }

  #replyTo(response: string, from: SocketAddress): void {
    const parsed = parseWireMessage(response);
    const send = (destination: SocketAddress) =>
      this.#socket?.send(response, destination.port, destination.address);
    if (!parsed) return;
    this.#responseDestination(parsed)
      .catch(() => from)
      .then(send, () => undefined);
  }

  /** RFC 3261 §18.2.1 and RFC 3581 §4: note where a request really came from in its top Via. */
  #markReceived(text: string, from: SocketAddress): string {
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

  #rewriteRequestUri(text: string, message: SipWireMessage): string {
    const user = this.#options.acceptAnyRequestUser;
    const to = firstHeader(message, 'to') ?? '';
    if (user === undefined || /;\s*tag=/i.test(to) || message.requestUri === undefined) return text;
    const rewritten = message.requestUri.replace(/^(sips?:)(?:[^@]*@)?/i, `$1${user}@`);
    const lineEnd = text.indexOf('\r\n');
    return `${message.method} ${rewritten} SIP/2.0\r\n${originalRequestUriHeader}: ${message.requestUri}${text.slice(lineEnd)}`;
  }

  #refused(reason: string, from: SocketAddress): void {
    this.#logger.warn(`refused a message from ${from.address}:${from.port}: ${reason}`);
    this.#options.onRefused?.(reason, from);
  }

  #setState(state: TransportState, error?: Error): void {
    const previous = this.#state;
    this.#state = state;
    this.#stateChange.emit(state);
    if (state === TransportState.Connected) this.onConnect?.();
    if (previous === TransportState.Connected && state !== TransportState.Connected)
      this.onDisconnect?.(error);
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
