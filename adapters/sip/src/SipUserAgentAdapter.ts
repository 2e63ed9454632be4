// The SipAdapter port on sip.js: accounts and an optional trunk, each a sip.js UserAgent; INVITEs in
// become `incoming$`, `call()` sends INVITEs out, both as SipCallLegs whose SDP comes from the media relay.
import { randomUUID } from 'node:crypto';
import type {
  AdapterContext,
  CallJournal,
  IncomingSipCall,
  Logger,
  OutgoingSipCallRequest,
  SipAdapter,
  SipDialogRecord,
  SipLeg,
} from '@cubebridge/core';
import { type Observable, Subject } from 'rxjs';
import { Inviter, type UserAgent } from 'sip.js';
import { journalDialog, sendOrphanBye } from './call/dialogJournal.ts';
import { IncomingCall } from './call/IncomingCall.ts';
import { MediaBindings } from './call/MediaEndpointSdh.ts';
import { SipCallLeg } from './call/SipCallLeg.ts';
import { installForkedEarlyMedia } from './call/forkedEarlyMedia.ts';
import { installReliableProvisionalResponses } from './call/reliableProvisional.ts';
import { installSessionIntervalRetry } from './call/sessionIntervalRetry.ts';
import { advertiseSessionTimers, sessionIntervalTooSmall } from './call/SessionTimer.ts';
import { installUpdateHandling } from './call/updateRequests.ts';
import { SipCallError, SipOptionsError } from './errors.ts';
import { SipAccount } from './roles/SipAccount.ts';
import { SipTrunk } from './roles/SipTrunk.ts';
import { sipUri } from './roles/userAgentOptions.ts';
import type { SipAdapterOptions } from './SipAdapterOptions.ts';
import { defaultMessageLimits } from './transport/MessageGuard.ts';
import { SipResolver } from './transport/SipResolver.ts';
import { SocketTransport } from './transport/SocketTransport.ts';

export class SipUserAgentAdapter implements SipAdapter {
  readonly name = 'sip';
  readonly incoming$: Observable<IncomingSipCall>;
  readonly #incoming = new Subject<IncomingSipCall>();
  readonly #options: SipAdapterOptions;
  readonly #bindings = new MediaBindings();
  readonly #legs = new Set<SipCallLeg>();
  #accounts: SipAccount[] = [];
  #trunk: SipTrunk | undefined;
  #logger: Logger | undefined;
  #journal: CallJournal | undefined;
  #state: 'new' | 'started' | 'stopped' = 'new';

  get #sessionTimerSec(): number {
    return this.#options.sessionTimerSec ?? 1800;
  }

  get #minSessionExpiresSec(): number | undefined {
    // RFC 4028 §4: Min-SE is never below 90 s unless configured so (tests do, to run in seconds).
    return this.#sessionTimerSec > 0 ? (this.#options.minSessionExpiresSec ?? 90) : undefined;
  }

  constructor(options: SipAdapterOptions) {
    if (!options.accounts?.length && !options.trunk) {
      throw new SipOptionsError('sip: give at least one of `accounts` or `trunk`');
    }
    this.#options = options;
    this.incoming$ = this.#incoming.asObservable();
    // sip.js 0.21 lacks these; both are patched in once per process (see the files).
    installUpdateHandling();
    installSessionIntervalRetry();
    installReliableProvisionalResponses();
    installForkedEarlyMedia();
  }

  /** The trunk's bound UDP address once started (useful when it listens on port 0). */
  get trunkAddress(): { address: string; port: number } | undefined {
    const transport = this.#trunk?.userAgent.transport as
      | { localAddress?: { address: string; port: number } }
      | undefined;
    return transport?.localAddress;
  }

  async start(context: AdapterContext): Promise<void> {
    if (this.#state !== 'new') throw new SipCallError(`cannot start: the adapter is ${this.#state}`);
    this.#state = 'started';
    const logger = context.logger.child({ component: 'sip' });
    this.#logger = logger;
    this.#journal = context.journal;
    const role = {
      context,
      logger,
      bindings: this.#bindings,
      // One resolver for every role, so they share its cache.
      wire: {
        limits: { ...defaultMessageLimits, ...this.#options.limits },
        resolver: new SipResolver(this.#options.dns),
      },
      idleTimeoutSec: this.#options.connectionIdleTimeoutSec ?? 120,
      timers: { t1Ms: 500, t2Ms: 4000, ...this.#options.timers },
      noAnswerTimeoutSec: this.#options.noAnswerTimeoutSec ?? 60,
      userAgentString: this.#options.userAgentString ?? 'CubeBridge',
      onInvite: (invitation: import('sip.js').Invitation, via: IncomingSipCall['via']) => {
        const tooSmall = sessionIntervalTooSmall(
          invitation.request.getHeader('session-expires'),
          this.#minSessionExpiresSec,
        );
        if (tooSmall) {
          invitation
            .reject(tooSmall)
            .catch((error: unknown) => logger.warn({ err: error }, 'could not answer 422'));
          return;
        }
        this.#incoming.next(
          new IncomingCall(
            invitation,
            via,
            this.#bindings,
            logger.child({ sipCallId: invitation.request.callId }),
            (leg, legVia) => this.#track(leg, legVia),
            this.#sessionTimerSec,
            this.#minSessionExpiresSec,
          ),
        );
      },
    };
    this.#accounts = (this.#options.accounts ?? []).map((account) => new SipAccount(account, role));
    this.#trunk = this.#options.trunk ? new SipTrunk(this.#options.trunk, role) : undefined;
    if (this.#sessionTimerSec > 0) {
      for (const { userAgent } of [...this.#accounts, ...(this.#trunk ? [this.#trunk] : [])])
        advertiseSessionTimers(userAgent.userAgentCore);
    }
    context.signal.addEventListener('abort', () => void this.stop(), { once: true });
    await this.#trunk?.start();
    await Promise.all(this.#accounts.map((account) => account.start()));
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    await Promise.all([...this.#legs].map((leg) => leg.hangup('shutdown')));
    await Promise.all(this.#accounts.map((account) => account.stop()));
    await this.#trunk?.stop();
    this.#incoming.complete();
  }

  async call(request: OutgoingSipCallRequest): Promise<SipLeg> {
    if (this.#state !== 'started') throw new SipCallError(`cannot call: the adapter is ${this.#state}`);
    const { userAgent, via } = this.#roleFor(request.account);
    const target = sipUri(request.to);
    await firstHopReachable(userAgent, request.to);
    const extraHeaders = Object.entries(request.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
    const minSe = this.#minSessionExpiresSec;
    if (this.#sessionTimerSec > 0)
      extraHeaders.push(
        // RFC 4028 §9: the UAS must keep the refresher we name, so we refresh and the far end watches.
        `Session-Expires: ${Math.max(this.#sessionTimerSec, minSe ?? 0)};refresher=uac`,
        ...(minSe ? [`Min-SE: ${minSe}`] : []),
      );
    const inviter = new Inviter(userAgent, target, {
      extraHeaders,
      // The answer in a 183 is applied at once, so RTP flows before the 200 (see SipCallLeg.progress).
      earlyMedia: true,
      ...(request.from
        ? { params: { fromUri: sipUri(request.from.uri), fromDisplayName: request.from.displayName } }
        : {}),
    });
    const leg = new SipCallLeg({
      id: randomUUID(),
      session: inviter,
      local: request.from ?? { uri: userAgent.configuration.uri.toString() },
      remote: { uri: request.to },
      sessionTimerSec: this.#sessionTimerSec,
      minSessionExpiresSec: minSe,
      media: request.media,
      logger: (this.#logger as Logger).child({ callId: request.callId, sipCallId: inviter.request.callId }),
    });
    this.#bindings.bind(inviter, {
      endpoint: request.media,
      onRemoteOffer: (held) => leg.remoteOffer(held),
      onRemoteAnswer: (sdp) => leg.remoteAnswer(sdp),
    });
    this.#track(leg, via);
    await inviter.invite({
      requestDelegate: {
        onProgress: (response) => leg.progress(response.message.statusCode ?? 0),
        onReject: (response) => leg.rejected(response.message.statusCode ?? 0),
        onAccept: (response) =>
          leg.accepted(response.message.getHeader('session-expires'), response.message.body),
      },
    });
    return leg;
  }

  #track(leg: SipCallLeg, via: IncomingSipCall['via']): void {
    this.#legs.add(leg);
    leg.events$.subscribe({
      complete: () => {
        this.#legs.delete(leg);
        this.#bindings.unbind(leg.session);
      },
    });
    if (this.#journal) journalDialog(leg, via, this.#roleFor(via.name).transport, this.#journal);
  }

  async endOrphanedCall(record: SipDialogRecord): Promise<void> {
    if (this.#state !== 'started') throw new SipCallError(`cannot end a call: the adapter is ${this.#state}`);
    const { userAgent } = this.#roleFor(record.via.name);
    const status = await sendOrphanBye(userAgent.userAgentCore, record);
    // 481: the far end had already ended it; a timeout (408): it is gone. Either way nothing is left up.
    this.#logger?.info(
      { sipCallId: record.callId, status, destination: record.destination },
      'sent BYE for a call an earlier process left up',
    );
  }

  /** The account or trunk by name (default: the first account, else the trunk), as the journal names it. */
  #roleFor(name: string | undefined): {
    userAgent: UserAgent;
    via: IncomingSipCall['via'];
    transport: SipDialogRecord['transport'];
  } {
    const account =
      name === undefined ? this.#accounts[0] : this.#accounts.find((candidate) => candidate.name === name);
    if (account) {
      const via = { kind: 'account', name: account.name } as const;
      return { userAgent: account.userAgent, via, transport: account.transportKind };
    }
    const trunk = this.#trunk && (name === undefined || this.#trunk.name === name) ? this.#trunk : undefined;
    if (trunk) {
      const via = { kind: 'trunk', name: trunk.name } as const;
      return { userAgent: trunk.userAgent, via, transport: trunk.transportKind };
    }
    throw new SipCallError(
      name === undefined
        ? 'no SIP account or trunk to call through'
        : `no SIP account or trunk named '${name}'`,
    );
  }
}

/**
 * Resolves where the INVITE will go first (the outbound proxy, else the target), so that a name that does not
 * resolve fails `call()` with the resolver's reason rather than a leg ended by sip.js's bare local 503.
 */
async function firstHopReachable(userAgent: UserAgent, to: string): Promise<void> {
  const transport = userAgent.transport;
  if (!(transport instanceof SocketTransport)) return;
  const firstHop = userAgent.configuration.preloadedRouteSet[0] ?? to;
  try {
    await transport.resolveUri(firstHop);
  } catch (error) {
    throw new SipCallError(`cannot call ${to}: ${(error as Error).message}`);
  }
}

/** The factory users put in their gateway config: `sip: sipAdapter({ accounts: [...] })`. */
export function sipAdapter(
  options: SipAdapterOptions,
): SipAdapter & { readonly trunkAddress: SipUserAgentAdapter['trunkAddress'] } {
  return new SipUserAgentAdapter(options);
}
