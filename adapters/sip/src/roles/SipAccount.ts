// The registration role: one sip.js UserAgent per account, registered with digest auth, refreshed
// before expiry, and re-registered at once when the registration is known lost (a failed refresh, a lost
// TCP/TLS/WebSocket flow, an unanswered keepalive: RFC 5626 §4.4), then with jittered back-off while it fails.
import type { AdapterContext, Logger } from '@cubebridge/core';
import {
  type Invitation,
  Registerer,
  type RegistererOptions,
  type Core,
  type RegistererRegisterOptions,
  RegistererState,
  TransportState,
  UserAgent,
  UserAgentState,
} from 'sip.js';
import type { MediaBindings } from '../call/MediaEndpointSdh.ts';
import { SipOptionsError } from '../errors.ts';
import type { SipAccountOptions, SipTransportOptions } from '../SipAdapterOptions.ts';
import type { RetransmitTimers } from '../transport/Retransmitter.ts';
import type { SipWireOptions } from '../transport/SipWireCodec.ts';
import type { SocketTransport } from '../transport/SocketTransport.ts';
import { TcpTransport } from '../transport/TcpTransport.ts';
import { sipUri, userAgentOptions, watchConnectionUse } from './userAgentOptions.ts';

export interface SipRoleContext {
  readonly context: AdapterContext;
  readonly logger: Logger;
  readonly bindings: MediaBindings;
  readonly wire: Partial<SipWireOptions>;
  readonly timers: RetransmitTimers;
  readonly noAnswerTimeoutSec: number;
  /** TCP/TLS connections without a SIP message for this long are closed unless in use (0: never). */
  readonly idleTimeoutSec: number;
  readonly userAgentString: string | undefined;
  readonly onInvite: (invitation: Invitation, role: { kind: 'account' | 'trunk'; name: string }) => void;
}

export class SipAccount {
  readonly name: string;
  readonly userAgent: UserAgent;
  readonly #options: SipAccountOptions;
  readonly #transport: SipTransportOptions;
  readonly #role: SipRoleContext;
  readonly #logger: Logger;
  readonly #registrarUri: string;
  #registerer: ObservedRegisterer | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  /** The unanswered keepalive's deadline, if one is out. */
  #keepaliveDeadline: NodeJS.Timeout | undefined;
  readonly #proxyUri: string;
  #attempt = 0;
  /** The registrar accepted our last REGISTER: a loss now is retried at once, not after a back-off. */
  #registered = false;
  #stopping = false;

  get transportKind(): SipTransportOptions['kind'] {
    return this.#transport.kind;
  }

  constructor(options: SipAccountOptions, role: SipRoleContext) {
    const aor = sipUri(options.aor);
    this.name = options.name ?? aor.user ?? aor.host;
    this.#options = options;
    this.#role = role;
    this.#logger = role.logger.child({ account: this.name });
    const registrar = options.registrar ?? `${aor.scheme}:${aor.host}${aor.port ? `:${aor.port}` : ''}`;
    const proxy = options.proxy ?? registrar;
    const transport = transportOf(options, registrar);
    this.#transport = transport;
    this.userAgent = new UserAgent(
      userAgentOptions({
        uri: options.aor,
        contactUser: aor.user ?? 'cubebridge',
        transport,
        wire: role.wire,
        timers: role.timers,
        routeSet:
          transport.kind === 'ws'
            ? []
            : [
                // A sips: URI already means TLS (RFC 5630 §3.2 deprecates adding transport=tls to it).
                `<${proxy};${transport.kind === 'udp' || /^sips:|;transport=/i.test(proxy) ? '' : `transport=${transport.kind};`}lr>`,
              ],
        auth: { username: options.username ?? aor.user ?? '', password: options.password, ha1: options.ha1 },
        logger: this.#logger,
        bindings: role.bindings,
        noAnswerTimeoutSec: role.noAnswerTimeoutSec,
        keepaliveSec: options.keepaliveSec ?? 30,
        idleTimeoutSec: role.idleTimeoutSec,
        userAgentString: role.userAgentString,
        onInvite: (invitation) => role.onInvite(invitation, { kind: 'account', name: this.name }),
      }),
    );
    watchConnectionUse(this.userAgent);
    this.#registrarUri = registrar;
    this.#proxyUri = proxy;
  }

  /** Starts the user agent and the registration loop; resolves once the first attempt is under way. */
  async start(): Promise<void> {
    this.userAgent.transport.stateChange.addListener((state) => {
      if (state === TransportState.Disconnected && !this.#stopping)
        this.#lost('connection to the server lost');
    });
    const transport = this.userAgent.transport;
    if (transport instanceof TcpTransport) {
      transport.onFlowLost = (peer) => void this.#onFlowLost(transport, peer);
    }
    if (this.#options.register !== false) {
      this.#registerer = new ObservedRegisterer(
        this.userAgent,
        { expires: this.#options.expiresSec ?? 600, registrar: sipUri(this.#registrarUri) },
        {
          accepted: (expiresSec) => this.#accepted(expiresSec),
          rejected: (reason, local) => {
            // sip.js reports a REGISTER it could not send as its own bare 503: say what really went wrong.
            const sendError = (this.userAgent.transport as Partial<SocketTransport>).lastSendError;
            this.#lost(local && sendError ? `${reason}: ${sendError}` : reason);
          },
        },
      );
      this.#registerer.stateChange.addListener((state) => this.#onRegistererState(state));
    }
    await this.#connectAndRegister();
    const keepaliveSec = this.#options.keepaliveSec ?? 30;
    if (this.#transport.kind === 'udp' && keepaliveSec > 0) {
      this.#keepaliveTimer = setInterval(() => this.#sendKeepalive(), keepaliveSec * 1000);
      this.#keepaliveTimer.unref();
    }
  }

  /**
   * OPTIONS to the proxy keeps NAT bindings open on UDP, and is how we learn the registrar went away: any
   * answer (even 4xx/5xx) proves the path open, none within the deadline (RFC 5626 §4.4.1 gives a STUN
   * keepalive 10 s) counts as a failed flow and re-registers at once.
   */
  #sendKeepalive(): void {
    if (this.#stopping || !this.userAgent.isConnected() || this.#keepaliveDeadline) return;
    const core = this.userAgent.userAgentCore;
    const target = sipUri(this.#proxyUri);
    const message = core.makeOutgoingRequestMessage(
      'OPTIONS',
      target,
      this.userAgent.configuration.uri,
      target,
      {},
    );
    const deadlineMs = keepaliveDeadlineMs(this.#options.keepaliveSec ?? 30);
    const answered = (response: Core.IncomingResponse) => {
      // A response without Via is sip.js's own (408 after Timer F, 503 for a failed send): silence, not an answer.
      if (response.message.getHeader('via') === undefined) return;
      clearTimeout(this.#keepaliveDeadline);
      this.#keepaliveDeadline = undefined;
    };
    this.#keepaliveDeadline = setTimeout(() => {
      this.#keepaliveDeadline = undefined;
      this.#logger.warn(`keepalive OPTIONS got no answer within ${deadlineMs} ms`);
      this.#flowFailed(`keepalive OPTIONS unanswered for ${deadlineMs} ms`);
    }, deadlineMs);
    this.#keepaliveDeadline.unref();
    core.request(message, { onAccept: answered, onReject: answered });
  }

  /** A TCP/TLS connection we opened went down: if it was the one to our proxy, the registration went with it. */
  async #onFlowLost(transport: TcpTransport, peer: { address: string; port: number }): Promise<void> {
    const proxy = await transport.resolveUri(this.#proxyUri).catch(() => []);
    if (proxy.some((address) => address.address === peer.address && address.port === peer.port))
      this.#flowFailed(`${transport.protocol} connection to ${peer.address}:${peer.port} lost`);
  }

  /**
   * The flow to the registrar failed while nothing else is under way: register again now (a REGISTER that
   * fails from here on backs off as usual).
   */
  #flowFailed(error: string): void {
    if (this.#stopping || !this.#registerer || this.#retryTimer || this.#registerer.outstanding) return;
    if (!this.#registered) return; // not registered: a retry is already planned or the account is failing
    this.#registered = false;
    this.#emit({ type: 'registration.failed', account: this.name, error, retryInMs: 0 });
    void this.#connectAndRegister();
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#keepaliveTimer);
    clearTimeout(this.#keepaliveDeadline);
    const registerer = this.#registerer;
    if (registerer?.state === RegistererState.Registered && this.userAgent.isConnected()) {
      // Un-REGISTER, but never let a dead registrar hold shutdown for a transaction timeout.
      await Promise.race([
        new Promise<void>((resolve) => {
          registerer.stateChange.addListener((state) => state !== RegistererState.Registered && resolve());
          registerer.unregister().catch(() => resolve());
        }),
        new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
    }
    await registerer?.dispose().catch(() => undefined);
    await this.userAgent
      .stop()
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'user agent stop failed'));
  }

  async #connectAndRegister(): Promise<void> {
    if (this.#stopping) return;
    try {
      if (this.userAgent.state !== UserAgentState.Started) await this.userAgent.start();
      else if (!this.userAgent.isConnected()) await this.userAgent.reconnect();
    } catch (error) {
      this.#lost(`cannot connect: ${(error as Error).message}`);
      return;
    }
    const registerer = this.#registerer;
    if (!registerer) return;
    this.#emit({ type: 'registration.registering', account: this.name });
    await registerer
      .register()
      .catch((error: unknown) => this.#lost(`cannot send REGISTER: ${(error as Error).message}`));
  }

  #onRegistererState(state: RegistererState): void {
    if (state === RegistererState.Unregistered && this.#stopping) {
      this.#emit({ type: 'registration.unregistered', account: this.name });
    }
  }

  /** Every accepted REGISTER, first one and refreshes alike. */
  #accepted(expiresSec: number): void {
    this.#attempt = 0;
    this.#registered = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#emit({ type: 'registration.registered', account: this.name, expiresSec });
  }

  /**
   * Registration failed or the connection dropped: report it and try again, at once if we were registered
   * until now (the registrar restarted, the refresh failed), else after a growing, jittered delay so that
   * many gateways that lost the same registrar do not all come back in the same instant.
   */
  #lost(error: string): void {
    if (this.#stopping || this.#retryTimer) return;
    const wasRegistered = this.#registered;
    this.#registered = false;
    const delay = wasRegistered ? 0 : this.#backoffMs();
    this.#emit({ type: 'registration.failed', account: this.name, error, retryInMs: delay });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connectAndRegister();
    }, delay);
  }

  /** initial · 2ⁿ, capped, each within ±20 %. */
  #backoffMs(): number {
    const initial = this.#options.retry?.initialMs ?? 1000;
    const ceiling = this.#options.retry?.maxMs ?? 60_000;
    const delay = Math.min(initial * 2 ** this.#attempt, ceiling);
    this.#attempt++;
    return Math.round(delay * (0.8 + 0.4 * Math.random()));
  }

  #emit(event: DistributiveOmit<Parameters<AdapterContext['emit']>[0], 'at'>): void {
    this.#role.context.emit({ ...event, at: Date.now() } as Parameters<AdapterContext['emit']>[0]);
  }
}

interface RegistrationObserver {
  accepted(expiresSec: number): void;
  /** `local`: made up by sip.js (transport error, timeout), not received from the registrar. */
  rejected(reason: string, local: boolean): void;
}

/**
 * sip.js refreshes by calling its own `register()` and changes no state when a refresh succeeds; wrapping
 * `register()` lets us see every REGISTER outcome, refreshes included.
 */
class ObservedRegisterer extends Registerer {
  readonly #observer: RegistrationObserver;
  readonly #requestedExpires: number;

  constructor(userAgent: UserAgent, options: RegistererOptions, observer: RegistrationObserver) {
    super(userAgent, options);
    this.#observer = observer;
    this.#requestedExpires = options.expires ?? 600;
  }

  #outstanding = false;

  /** A REGISTER of ours awaits its final response (sip.js keeps its own flag private). */
  get outstanding(): boolean {
    return this.#outstanding;
  }

  override register(options: RegistererRegisterOptions = {}): Promise<Core.OutgoingRegisterRequest> {
    const delegate = options.requestDelegate;
    // Set before sending: sip.js may report a failed send before any `then` of ours runs. A REGISTER already
    // out makes sip.js refuse this one, and the flag rightly stays set for that one.
    this.#outstanding = true;
    return super.register({
      ...options,
      requestDelegate: {
        ...delegate,
        onAccept: (response) => {
          this.#outstanding = false;
          this.#observer.accepted(grantedExpires(response.message) ?? this.#requestedExpires);
          delegate?.onAccept?.(response);
        },
        onRedirect: (response) => {
          this.#outstanding = false;
          delegate?.onRedirect?.(response);
        },
        onReject: (response) => {
          this.#outstanding = false;
          this.#observer.rejected(
            `${response.message.statusCode} ${response.message.reasonPhrase}`,
            response.message.getHeader('via') === undefined,
          );
          delegate?.onReject?.(response);
        },
      },
    });
  }
}

/** The lifetime the registrar granted: our Contact's `expires`, else the Expires header. */
function grantedExpires(message: Core.IncomingResponseMessage): number | undefined {
  const fromContact = /;\s*expires=(\d+)/i.exec(message.getHeaders('contact').join(','))?.[1];
  const value = Number(fromContact ?? message.getHeader('expires'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** How long a keepalive OPTIONS may go unanswered: the keepalive interval, at most 10 s (RFC 5626 §4.4.1). */
function keepaliveDeadlineMs(keepaliveSec: number): number {
  return Math.min(keepaliveSec, 10) * 1000;
}

/** RFC 3261 §19.1: a sips: registrar is reached over TLS; anything else over what the options say, or UDP. */
function transportOf(options: SipAccountOptions, registrar: string): SipTransportOptions {
  const secure = /^sips:/i.test(registrar);
  const transport = options.transport ?? (secure ? { kind: 'tls', tls: {} } : { kind: 'udp' });
  if (secure && transport.kind !== 'tls') {
    throw new SipOptionsError(
      `account ${options.aor}: the registrar ${registrar} is a sips: URI and needs transport kind 'tls', not '${transport.kind}'`,
    );
  }
  return transport;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
