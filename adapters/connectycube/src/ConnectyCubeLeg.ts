// What inbound and outbound ConnectyCube legs share: leg events, the SDK's ICE ordering rules, DTMF as a
// system message, and the end of the leg. Subclasses own the call set-up in their direction.
import type {
  CallJournal,
  EndReason,
  IceCandidate,
  LegEvent,
  Logger,
  Party,
  PlatformLeg,
  PlatformLegRecord,
  WebRtcMediaEndpoint,
} from '@cubebridge/core';
import { type Observable, ReplaySubject, type Subscription } from 'rxjs';
import { dtmfExtension, type DtmfMessage } from './DtmfMessage.ts';
import { type TransferMessage, transferStatusExtension } from './TransferMessage.ts';
import { UnsupportedError } from './errors.ts';
import type { Identity } from './Identity.ts';
import type { CallSignal, CallType } from './signals.ts';

export interface LegContext {
  readonly id: string;
  readonly identity: Identity;
  readonly media: WebRtcMediaEndpoint;
  readonly sessionID: string;
  readonly callType: CallType;
  /** The user who placed the call (the SDK's `callerID`). */
  readonly callerID: number;
  readonly local: Party;
  readonly remote: Party;
  readonly logger: Logger;
  /** Called once when the leg has ended, so the platform forgets it. */
  readonly release: () => void;
  /** Where the leg is kept from answer to end, for a restarted gateway to hang up (see `endOrphanedCall`). */
  readonly journal?: CallJournal | undefined;
}

export type LegState = 'ringing' | 'active' | 'ended';

export abstract class ConnectyCubeLeg implements PlatformLeg {
  readonly side = 'platform';
  abstract readonly direction: 'inbound' | 'outbound';
  readonly id: string;
  readonly platformSessionId: string;
  readonly local: Party;
  readonly events$: Observable<LegEvent>;
  protected readonly identity: Identity;
  protected readonly media: WebRtcMediaEndpoint;
  protected readonly callType: CallType;
  protected readonly callerID: number;
  protected readonly logger: Logger;
  protected state: LegState = 'ringing';
  /** The app user at the other end once the call is established (for an outbound hunt, the winner). */
  protected peer: number | undefined;
  /** Who is at the other end; an outbound hunt narrows it to the user who answered. */
  protected remoteParty: Party;
  // Replayed: the core may subscribe after the first events (ringing) were emitted.
  readonly #events = new ReplaySubject<LegEvent>();
  readonly #release: () => void;
  readonly #journal: CallJournal | undefined;
  readonly #journalKey: string;
  readonly #gathered: IceCandidate[] = [];
  #gatheringDone = false;
  #gatheringWaiters: Array<() => void> = [];
  #trickling = false;
  #remoteDescriptionSet = false;
  #remoteQueue: IceCandidate[] = [];
  readonly #candidates: Subscription;

  constructor(context: LegContext) {
    this.id = context.id;
    this.platformSessionId = context.sessionID;
    this.identity = context.identity;
    this.media = context.media;
    this.callType = context.callType;
    this.callerID = context.callerID;
    this.local = context.local;
    this.remoteParty = context.remote;
    this.logger = context.logger;
    this.#release = context.release;
    this.#journal = context.journal;
    this.#journalKey = `platform:${context.identity.userId}/${context.sessionID}`;
    this.events$ = this.#events.asObservable();
    this.#candidates = this.media.localCandidates$.subscribe((candidate) =>
      this.#onLocalCandidate(candidate),
    );
  }

  get closed(): boolean {
    return this.state === 'ended';
  }

  get remote(): Party {
    return this.remoteParty;
  }

  /** A signal for this session from `from`, dispatched by the platform. */
  abstract handleSignal(from: number, signal: CallSignal): void;

  abstract hangup(reason: EndReason): Promise<void>;

  /** Inbound only; outbound legs reject with InvalidStateError. */
  abstract ring(): Promise<void>;
  abstract answer(): Promise<void>;

  /** DTMF from the app (a system message naming this session). */
  handleDtmf(from: number, message: DtmfMessage): void {
    if (this.state !== 'active' || from !== this.peer) return;
    for (const digit of message.digits) {
      this.emit({ type: 'dtmf', digit, durationMs: message.durationMs, via: 'platform-message' });
    }
  }

  /**
   * A transfer asked by the app (a system message naming this session): the core decides and carries it out,
   * and the outcome goes back to the app as a `transfer-status` system message.
   */
  handleTransfer(from: number, message: TransferMessage): void {
    if (this.state !== 'active' || from !== this.peer) return;
    const peer = this.peer;
    let reported = false;
    this.emit({
      type: 'transfer-requested',
      target: message.to,
      report: (progress) => {
        if (reported) return;
        reported = true;
        this.identity
          .sendSystemMessage(peer, transferStatusExtension(message, progress))
          .catch(() => undefined);
      },
    });
  }

  hold(): Promise<void> {
    return Promise.reject(new UnsupportedError('ConnectyCube 1:1 calls have no hold signal'));
  }

  resume(): Promise<void> {
    return Promise.reject(new UnsupportedError('ConnectyCube 1:1 calls have no hold signal'));
  }

  transfer(_target: string): Promise<void> {
    return Promise.reject(new UnsupportedError('ConnectyCube 1:1 calls have no transfer signal'));
  }

  /** Digits reach the app as a system message `{ type: 'dtmf', sessionID, digits, durationMs }`. */
  async sendDtmf(digits: string, options?: { durationMs?: number }): Promise<void> {
    if (this.state !== 'active' || this.peer === undefined) return;
    const message = { sessionID: this.platformSessionId, digits, durationMs: options?.durationMs ?? 100 };
    await this.identity.sendSystemMessage(this.peer, dtmfExtension(message));
  }

  async close(): Promise<void> {
    await this.hangup('normal');
  }

  protected emit(event: LegEvent): void {
    if (this.state !== 'ended' || event.type === 'ended') this.#events.next(event);
    if (event.type === 'answered' && this.peer !== undefined)
      this.#journal?.up(this.#journalRecord(this.peer));
  }

  /** What a new process needs to send this session's `hangUp` to the app (ConnectyCubePlatform.endOrphanedCall). */
  #journalRecord(peer: number): PlatformLegRecord {
    return {
      kind: 'platform',
      key: this.#journalKey,
      since: Date.now(),
      sessionId: this.platformSessionId,
      identity: String(this.identity.userId),
      peer: String(peer),
      callerId: String(this.callerID),
      opponentIds: (this.signal('hangUp', peer).opponentsIDs ?? []).map(String),
      callType: this.callType,
    };
  }

  /** The common fields of every signal of this session, addressed to one app user. */
  protected signal(
    signalType: CallSignal['signalType'],
    to: number,
    fields: Partial<CallSignal> = {},
  ): CallSignal {
    return {
      sessionID: this.platformSessionId,
      callType: this.callType,
      callerID: this.callerID,
      opponentsIDs: [this.callerID === this.identity.userId ? to : this.identity.userId],
      ...fields,
      signalType,
    };
  }

  protected async send(to: number, signal: CallSignal): Promise<void> {
    try {
      await this.identity.sendSignal(to, signal);
    } catch (error) {
      this.logger.warn({ to, signalType: signal.signalType, error: String(error) }, 'signal not sent');
    }
  }

  /** Candidates gathered so far. */
  protected get gatheredCandidates(): readonly IceCandidate[] {
    return this.#gathered;
  }

  /** Resolves when gathering has finished, or after `timeoutMs`. */
  protected waitForGathering(timeoutMs: number): Promise<void> {
    if (this.#gatheringDone) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#gatheringWaiters.push(done);
    });
  }

  /**
   * From now on local candidates go to the peer: the ones gathered so far in one `iceCandidates`, later ones
   * one by one. The SDK drops candidates that arrive before its side may use them (a callee before it
   * accepted, a caller before it got `accept`), so subclasses call this only once that point is passed.
   */
  protected startTrickle(): void {
    if (this.#trickling || this.peer === undefined) return;
    this.#trickling = true;
    if (this.#gathered.length > 0) {
      void this.send(
        this.peer,
        this.signal('iceCandidates', this.peer, { iceCandidates: [...this.#gathered] }),
      );
    }
  }

  #onLocalCandidate(candidate: IceCandidate | null): void {
    if (candidate === null || candidate.candidate === '') {
      this.#gatheringDone = true;
      for (const waiter of this.#gatheringWaiters.splice(0)) waiter();
      return;
    }
    this.#gathered.push(candidate);
    if (this.#trickling && this.peer !== undefined && this.state !== 'ended') {
      void this.send(this.peer, this.signal('iceCandidates', this.peer, { iceCandidates: [candidate] }));
    }
  }

  /** Remote candidates wait until the endpoint has the remote description. */
  protected addRemoteCandidates(candidates: readonly IceCandidate[]): void {
    if (!this.#remoteDescriptionSet) {
      this.#remoteQueue.push(...candidates);
      return;
    }
    for (const candidate of candidates) {
      this.media.addRemoteCandidate(candidate).catch((error: unknown) => {
        this.logger.debug({ error: String(error) }, 'remote candidate not added');
      });
    }
  }

  protected remoteDescriptionSet(): void {
    this.#remoteDescriptionSet = true;
    const queued = this.#remoteQueue;
    this.#remoteQueue = [];
    this.addRemoteCandidates(queued);
  }

  /** Ends the leg once: emits `ended`, stops timers (via `onEnd`) and lets the platform forget it. */
  protected end(reason: EndReason, by: 'remote' | 'local', detail?: string): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.onEnd();
    this.#candidates.unsubscribe();
    for (const waiter of this.#gatheringWaiters.splice(0)) waiter();
    this.#events.next({ type: 'ended', reason, by, ...(detail === undefined ? {} : { detail }) });
    this.#events.complete();
    this.#journal?.ended(this.#journalKey);
    this.#release();
  }

  /** Subclass clean-up (timers) when the leg ends. */
  protected abstract onEnd(): void;
}
