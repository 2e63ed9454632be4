// A `call` signal from an app user, offered to the core as an IncomingPlatformCall until it is accepted,
// rejected, or the caller stops ringing (`hangUp`, or the SDK's answer timer running out).
import type {
  CallJournal,
  EndReason,
  IncomingPlatformCall,
  Logger,
  MediaKinds,
  Party,
  PlatformLeg,
  WebRtcMediaEndpoint,
} from '@cubebridge/core';
import { type Observable, Subject } from 'rxjs';
import { platformUri } from './addresses.ts';
import { InvalidStateError } from './errors.ts';
import type { Identity } from './Identity.ts';
import { InboundLeg } from './InboundLeg.ts';
import { refusalUserInfo } from './rejectInfo.ts';
import type { CallSignal } from './signals.ts';

export interface InboundCallOptions {
  readonly id: string;
  readonly identity: Identity;
  /** The first `call` signal of the session. */
  readonly signal: CallSignal;
  readonly callerID: number;
  readonly answerTimeoutMs: number;
  readonly logger: Logger;
  /** Called once when the session is over (refused, cancelled, or its leg ended). */
  readonly release: () => void;
  readonly journal?: CallJournal | undefined;
}

type OfferState = 'offered' | 'accepted' | 'refused' | 'cancelled';

export class InboundCall implements IncomingPlatformCall {
  readonly from: Party;
  readonly to: Party;
  readonly offered: MediaKinds;
  readonly userInfo: Readonly<Record<string, string>>;
  readonly cancelled$: Observable<void>;
  readonly #cancelled = new Subject<void>();
  readonly #options: InboundCallOptions;
  readonly #ringDeadline: number;
  readonly #timer: NodeJS.Timeout;
  #offer: string;
  #state: OfferState = 'offered';
  #leg: InboundLeg | undefined;

  constructor(options: InboundCallOptions) {
    this.#options = options;
    const { signal, identity } = options;
    this.userInfo = signal.userInfo ?? {};
    const callerName = this.userInfo.name ?? this.userInfo.full_name ?? this.userInfo.displayName;
    this.from = { uri: platformUri(options.callerID), ...(callerName ? { displayName: callerName } : {}) };
    this.to = identity.sip
      ? { uri: identity.sip, ...(identity.displayName ? { displayName: identity.displayName } : {}) }
      : { uri: identity.uri };
    this.offered = { audio: true, video: signal.callType !== 2 };
    this.#offer = signal.sdp ?? '';
    this.cancelled$ = this.#cancelled.asObservable();
    this.#ringDeadline = Date.now() + options.answerTimeoutMs;
    // Mirrors the caller's SDK, which stops ringing after answerTimeInterval without telling us.
    this.#timer = setTimeout(() => this.#cancel(), options.answerTimeoutMs);
  }

  get sessionID(): string {
    return this.#options.signal.sessionID;
  }

  /** A signal of this session, from anyone; only the caller's count. */
  handleSignal(from: number, signal: CallSignal): void {
    if (from !== this.#options.callerID) return;
    if (this.#leg) {
      this.#leg.handleSignal(from, signal);
      return;
    }
    if (this.#state !== 'offered') return;
    if (signal.signalType === 'call' && signal.sdp) this.#offer = signal.sdp;
    if (signal.signalType === 'hangUp') this.#cancel();
  }

  get leg(): InboundLeg | undefined {
    return this.#leg;
  }

  async accept(media: WebRtcMediaEndpoint): Promise<PlatformLeg> {
    if (this.#state !== 'offered')
      throw new InvalidStateError('incoming ConnectyCube call', this.#state, 'accept');
    this.#state = 'accepted';
    clearTimeout(this.#timer);
    const { identity, signal, callerID, logger } = this.#options;
    const leg = new InboundLeg(
      {
        id: this.#options.id,
        identity,
        media,
        sessionID: signal.sessionID,
        callType: signal.callType ?? 1,
        callerID,
        local: this.to,
        remote: this.from,
        logger,
        release: () => this.#options.release(),
        journal: this.#options.journal,
      },
      { offer: this.#offer, ringDeadline: this.#ringDeadline },
    );
    this.#leg = leg;
    try {
      await leg.start();
    } catch (error) {
      await leg.hangup('media-failed');
      throw error;
    }
    return leg;
  }

  /** A `reject` signal, or `POST /calls/reject` when chat is down so the caller still hears of it. */
  async reject(reason: EndReason, detail?: string): Promise<void> {
    if (this.#state !== 'offered') return;
    this.#state = 'refused';
    this.#finish();
    const { identity, callerID, signal } = this.#options;
    const userInfo = refusalUserInfo(reason, detail);
    try {
      if (identity.online) {
        await identity.sendSignal(callerID, {
          signalType: 'reject',
          sessionID: signal.sessionID,
          callType: signal.callType ?? 1,
          callerID,
          opponentsIDs: [identity.userId],
          userInfo,
        });
      } else {
        await identity.rejectThroughRest(signal.sessionID, callerID, userInfo);
      }
    } catch (error) {
      this.#options.logger.warn({ error: String(error) }, 'reject not delivered');
    }
  }

  /** Ends the session for shutdown: an offered call is refused, an accepted one hung up. */
  async close(): Promise<void> {
    if (this.#leg) await this.#leg.hangup('shutdown');
    else await this.reject('shutdown');
  }

  #cancel(): void {
    if (this.#state !== 'offered') return;
    this.#state = 'cancelled';
    this.#cancelled.next();
    this.#finish();
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#cancelled.complete();
    this.#options.release();
  }
}
