// The Platform port on ConnectyCube: logs in every identity, turns `call` signals into incoming calls and
// places outgoing ones, and routes each signal to the session it belongs to.
import { randomUUID } from 'node:crypto';
import type {
  AdapterContext,
  IncomingPlatformCall,
  Logger,
  OutgoingPlatformCallRequest,
  Platform,
  PlatformLeg,
  PlatformLegRecord,
} from '@cubebridge/core';
import { type Observable, Subject, type Subscription } from 'rxjs';
import { parseUserId, platformUri, sipUriMatches } from './addresses.ts';
import type { ConnectyCubeLeg } from './ConnectyCubeLeg.ts';
import type { ConnectyCubeOptions, ResolvedOptions, UserCredentials } from './ConnectyCubeOptions.ts';
import { resolveOptions } from './ConnectyCubeOptions.ts';
import { parseDtmfMessage } from './DtmfMessage.ts';
import { parseTransferMessage } from './TransferMessage.ts';
import { EndedSessions } from './EndedSessions.ts';
import { IdentityNotFoundError, InvalidStateError } from './errors.ts';
import { Identity } from './Identity.ts';
import { InboundCall } from './InboundCall.ts';
import { OutboundLeg } from './OutboundLeg.ts';
import { refusalUserInfo } from './rejectInfo.ts';
import type { CallSignal } from './signals.ts';

/** Everything signalled for one session of one identity: an offered or accepted inbound call, or an outbound leg. */
type Session = InboundCall | ConnectyCubeLeg;

export class ConnectyCubePlatform implements Platform {
  readonly name = 'connectycube';
  readonly incoming$: Observable<IncomingPlatformCall>;
  readonly #incoming = new Subject<IncomingPlatformCall>();
  readonly #options: ResolvedOptions;
  #context: AdapterContext | undefined;
  #identities: Identity[] = [];
  /** Keyed by `<identity user id>/<sessionID>`. */
  readonly #sessions = new Map<string, Session>();
  readonly #ended: EndedSessions;
  readonly #subscriptions: Subscription[] = [];
  #state: 'new' | 'starting' | 'started' | 'stopped' = 'new';

  constructor(options: ConnectyCubeOptions) {
    this.#options = resolveOptions(options);
    // Long enough to outlive any re-sent `call` (the caller stops after answerTimeInterval).
    this.#ended = new EndedSessions(this.#options.answerTimeoutMs * 2);
    this.incoming$ = this.#incoming.asObservable();
  }

  /** The identities in use, once started (for tests and diagnostics). */
  get identities(): readonly Identity[] {
    return this.#identities;
  }

  async start(context: AdapterContext): Promise<void> {
    if (this.#state !== 'new') throw new InvalidStateError('ConnectyCube platform', this.#state, 'start');
    this.#state = 'starting';
    this.#context = context;
    const logger = this.#logger;
    this.#identities = this.#identityList().map(
      (entry) =>
        new Identity({
          ...entry,
          options: this.#options,
          logger,
          emit: (event) => context.emit(event),
        }),
    );
    try {
      // One after the other: the SDK keeps its configuration in a process-wide singleton.
      for (const identity of this.#identities) {
        await identity.start();
        this.#subscriptions.push(
          identity.signals$.subscribe(({ from, signal }) => this.#onSignal(identity, from, signal)),
          identity.systemMessages$.subscribe(({ from, extension }) =>
            this.#onSystemMessage(identity, from, extension),
          ),
        );
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.#state = 'started';
    logger.info({ identities: this.#identities.map((i) => i.uri) }, 'ConnectyCube platform started');
  }

  #identityList(): Array<{ credentials: UserCredentials; sip?: string; displayName?: string }> {
    const identities = this.#options.identities;
    if (identities.mode === 'gateway') return [{ credentials: identities.user }];
    return [
      ...identities.users.map(({ sip, displayName, ...credentials }) => ({
        credentials: credentials as UserCredentials,
        sip,
        ...(displayName ? { displayName } : {}),
      })),
      ...(identities.fallback ? [{ credentials: identities.fallback }] : []),
    ];
  }

  get #logger(): Logger {
    if (!this.#context)
      throw new InvalidStateError('ConnectyCube platform', this.#state, 'be used before start()');
    return this.#context.logger;
  }

  #onSignal(identity: Identity, from: number, signal: CallSignal): void {
    const key = `${identity.userId}/${signal.sessionID}`;
    const session = this.#sessions.get(key);
    if (session) {
      session.handleSignal(from, signal);
      return;
    }
    if (this.#ended.has(key)) {
      // An app that accepts after the call ended would otherwise wait for media that never comes.
      if (signal.signalType === 'accept') void this.#hangUpLate(identity, from, signal);
      return;
    }
    if (signal.signalType !== 'call' || this.#state !== 'started') return;
    this.#offerCall(identity, from, signal, key);
  }

  #release(key: string): void {
    this.#sessions.delete(key);
    this.#ended.add(key);
  }

  async #hangUpLate(identity: Identity, to: number, signal: CallSignal): Promise<void> {
    await identity
      .sendSignal(to, {
        signalType: 'hangUp',
        sessionID: signal.sessionID,
        callType: signal.callType ?? 1,
        callerID: identity.userId,
        opponentsIDs: [to],
        userInfo: { reason: 'ended' },
      })
      .catch(() => undefined);
  }

  #offerCall(identity: Identity, from: number, signal: CallSignal, key: string): void {
    const logger = this.#logger.child({ sessionID: signal.sessionID });
    // `from` is the stamped sender; the SDK keys its peer connections by it, so it must be the caller.
    const callerID = signal.callerID ?? from;
    const others = (signal.opponentsIDs ?? []).filter((id) => id !== identity.userId);
    if (callerID !== from || others.length > 0 || !signal.sdp) {
      logger.warn(
        { from, callerID, opponents: signal.opponentsIDs },
        'call refused: not a 1:1 call with an offer',
      );
      this.#ended.add(key);
      void identity
        .sendSignal(from, {
          signalType: 'reject',
          sessionID: signal.sessionID,
          callType: signal.callType ?? 1,
          callerID,
          opponentsIDs: signal.opponentsIDs ?? [identity.userId],
          userInfo: refusalUserInfo('refused', 'group calls are not supported'),
        })
        .catch(() => undefined);
      return;
    }
    const call = new InboundCall({
      id: randomUUID(),
      identity,
      signal,
      callerID,
      answerTimeoutMs: this.#options.answerTimeoutMs,
      logger,
      release: () => this.#release(key),
      journal: this.#context?.journal,
    });
    this.#sessions.set(key, call);
    logger.info({ from: call.from.uri, to: call.to.uri }, 'incoming ConnectyCube call');
    this.#incoming.next(call);
  }

  #onSystemMessage(identity: Identity, from: number, extension: unknown): void {
    const dtmf = parseDtmfMessage(extension);
    const transfer = dtmf ? undefined : parseTransferMessage(extension);
    const sessionID = dtmf?.sessionID ?? transfer?.sessionID;
    if (sessionID === undefined) return;
    const session = this.#sessions.get(`${identity.userId}/${sessionID}`);
    const leg = session instanceof InboundCall ? session.leg : session;
    if (dtmf) leg?.handleDtmf(from, dtmf);
    if (transfer) leg?.handleTransfer(from, transfer);
  }

  async call(request: OutgoingPlatformCallRequest): Promise<PlatformLeg> {
    if (this.#state !== 'started') throw new InvalidStateError('ConnectyCube platform', this.#state, 'call');
    const callees = request.to.map((address) => {
      const id = parseUserId(address);
      if (id === undefined) throw new IdentityNotFoundError(`not a ConnectyCube user: ${address}`);
      return id;
    });
    if (callees.length === 0) throw new IdentityNotFoundError('no ConnectyCube user to call');
    const identity = this.#callerIdentity(request.from.uri);
    const sessionID = randomUUID();
    const key = `${identity.userId}/${sessionID}`;
    const logger = this.#logger.child({ callId: request.callId, sessionID });
    const local = identity.sip
      ? { uri: identity.sip, ...(identity.displayName ? { displayName: identity.displayName } : {}) }
      : { uri: identity.uri };
    const kinds = request.kinds;
    // The leg subscribes to the endpoint's candidates before the offer is made, so none is missed.
    const leg = new OutboundLeg(
      {
        id: request.callId,
        identity,
        media: request.media,
        sessionID,
        callType: kinds.video ? 1 : 2,
        callerID: identity.userId,
        local,
        // Until someone answers, the remote is every callee (comma-separated); then the one who answered.
        remote: { uri: callees.map(platformUri).join(',') },
        logger,
        release: () => this.#release(key),
        journal: this.#context?.journal,
      },
      {
        callees,
        userInfo: {
          ...request.userInfo,
          from: request.from.uri,
          ...(request.from.displayName ? { fromName: request.from.displayName } : {}),
        },
        ringTimeoutMs: request.ringTimeoutMs ?? this.#options.answerTimeoutMs,
        dialingIntervalMs: this.#options.dialingIntervalMs,
      },
    );
    this.#sessions.set(key, leg);
    try {
      const offer = await request.media.createOffer({ kinds });
      await leg.start(offer, this.#options.gatheringTimeoutMs);
    } catch (error) {
      await leg.hangup('error');
      throw error;
    }
    logger.info({ to: request.to, from: identity.uri }, 'calling ConnectyCube user(s)');
    return leg;
  }

  /**
   * A session an earlier process left up: the app gets the `hangUp` it would have got (from the same identity,
   * for the same `sessionID`), and its SDK ends the call.
   */
  async endOrphanedCall(record: PlatformLegRecord): Promise<void> {
    if (this.#state !== 'started')
      throw new InvalidStateError('ConnectyCube platform', this.#state, 'endOrphanedCall');
    const identity = this.#identities.find((candidate) => String(candidate.userId) === record.identity);
    if (!identity)
      throw new IdentityNotFoundError(`no ConnectyCube identity ${record.identity} is logged in`);
    await identity.sendSignal(Number(record.peer), {
      signalType: 'hangUp',
      sessionID: record.sessionId,
      callType: record.callType === 2 ? 2 : 1,
      callerID: Number(record.callerId),
      opponentsIDs: record.opponentIds.map(Number),
      userInfo: refusalUserInfo('shutdown', 'the gateway restarted'),
    });
  }

  /** Mirrored mode: the identity of the SIP caller, else the fallback; gateway mode: the gateway user. */
  #callerIdentity(fromUri: string): Identity {
    const mirrored = this.#identities.find(
      (identity) => identity.sip && sipUriMatches(identity.sip, fromUri),
    );
    const identity = mirrored ?? this.#identities.find((i) => i.sip === undefined);
    if (!identity) throw new IdentityNotFoundError(`no ConnectyCube identity for ${fromUri}`);
    return identity;
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    await Promise.all(
      [...this.#sessions.values()].map((session) =>
        (session instanceof InboundCall ? session.close() : session.hangup('shutdown')).catch(
          () => undefined,
        ),
      ),
    );
    this.#sessions.clear();
    this.#ended.clear();
    for (const subscription of this.#subscriptions.splice(0)) subscription.unsubscribe();
    await Promise.all(this.#identities.map((identity) => identity.close()));
    this.#incoming.complete();
  }
}
