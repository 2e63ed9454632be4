// One bridged conversation: a SIP leg, a platform leg and one media session. Its state changes only through
// its methods, every change is an event, and `close()` cascades to the legs and the media session.
// Two channels, mediasoup-style: `events$` is this call's own observation stream (it completes after
// `call.ended`), and the `CallOwner` given at construction is told directly when the call has ended, so the
// owner's bookkeeping never depends on an isolated subscriber and a bug in it fails `close()` loudly.
import { type Observable, Subject } from 'rxjs';
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events/EventBus.ts';
import type { CallEvent, CallEventInput, GatewayEvent, GatewayEventInput } from '../events/GatewayEvent.ts';
import { InvalidStateError, errorMessage } from '../errors.ts';
import type { Logger } from '../logging/Logger.ts';
import type { CallLeg, EndReason, MediaKinds, Party } from '../ports/common.ts';
import type { MediaSession } from '../ports/MediaRelay.ts';
import type { PlatformLeg } from '../ports/Platform.ts';
import type { SipLeg } from '../ports/SipAdapter.ts';
import { type CallState, canTransition, terminalCallStates } from './CallState.ts';

export type CallDirection = 'sip-to-platform' | 'platform-to-sip';
export type CallSide = 'sip' | 'platform' | 'gateway';

export interface CallInit {
  readonly direction: CallDirection;
  readonly from: Party;
  readonly to: Party;
  readonly offered: MediaKinds;
  readonly id?: string;
}

/** Whoever created the call and keeps books about it (the call bridge): told once, directly, when it ends. */
export interface CallOwner {
  /**
   * The call has ended: `call.ended` was delivered and `events$` completed. Runs inside `close()`, not isolated:
   * if it throws, `close()` rejects with that error.
   */
  callEnded(call: Call): void;
}

export class Call {
  readonly id: string;
  readonly direction: CallDirection;
  readonly from: Party;
  readonly to: Party;
  readonly offered: MediaKinds;
  readonly createdAt = Date.now();
  /**
   * This call's events only, in the order the bus delivers them; completes right after `call.ended`.
   * Observation: a subscriber that throws or is slow is reported as on the gateway's `events$`.
   */
  readonly events$: Observable<CallEvent>;

  #state: CallState = 'routing';
  #answeredAt: number | undefined;
  #sipLeg: SipLeg | undefined;
  #platformLeg: PlatformLeg | undefined;
  #media: MediaSession | undefined;
  #closing: Promise<void> | undefined;
  readonly #bus: EventBus;
  readonly #logger: Logger;
  readonly #owner: CallOwner | undefined;
  readonly #events = new Subject<CallEvent>();
  /** Serves `#events` from the bus's delivery, then completes it after `call.ended`. */
  readonly #deliver = (event: GatewayEvent): void => {
    this.#events.next(event as CallEvent);
    if (event.type === 'call.ended') this.#events.complete();
  };

  constructor(init: CallInit, bus: EventBus, logger: Logger, owner?: CallOwner) {
    this.id = init.id ?? randomUUID();
    this.direction = init.direction;
    this.from = init.from;
    this.to = init.to;
    this.offered = init.offered;
    this.#bus = bus;
    this.#logger = logger.child({ callId: this.id });
    this.#owner = owner;
    this.events$ = bus.observe(this.#events.asObservable());
  }

  get state(): CallState {
    return this.#state;
  }

  /** True once the call has ended or failed; nothing can change it after that. */
  get closed(): boolean {
    return terminalCallStates.has(this.#state);
  }

  get answered(): boolean {
    return this.#answeredAt !== undefined;
  }

  get sipLeg(): SipLeg | undefined {
    return this.#sipLeg;
  }

  get platformLeg(): PlatformLeg | undefined {
    return this.#platformLeg;
  }

  get media(): MediaSession | undefined {
    return this.#media;
  }

  get logger(): Logger {
    return this.#logger;
  }

  /** Announce the call (`call.created`); the gateway does this once, when it takes the call. */
  announce(): void {
    this.#emit({
      type: 'call.created',
      direction: this.direction,
      from: this.from,
      to: this.to,
      offered: this.offered,
    });
  }

  attachLeg(leg: SipLeg | PlatformLeg): void {
    this.#assertOpen(`attach a ${leg.side} leg`);
    if (leg.side === 'sip') this.#sipLeg = leg;
    else this.#platformLeg = leg;
  }

  /**
   * A transfer's new SIP leg takes the old one's place in an answered call: the platform leg and the media
   * session stay. Returns the old leg, which the caller ends.
   */
  replaceSipLeg(leg: SipLeg): SipLeg | undefined {
    if (this.#closing || (this.#state !== 'active' && this.#state !== 'held'))
      throw new InvalidStateError(`call ${this.id}`, this.#state, 'replace its SIP leg');
    const previous = this.#sipLeg;
    this.#sipLeg = leg;
    return previous;
  }

  attachMedia(media: MediaSession): void {
    this.#assertOpen('attach media');
    this.#media = media;
  }

  markRinging(): void {
    this.#transition('ringing');
    this.#emit({ type: 'call.ringing' });
  }

  markAnswered(): void {
    this.#transition('active');
    this.#answeredAt = Date.now();
    this.#emit({ type: 'call.answered' });
  }

  markHeld(by: 'sip' | 'platform'): void {
    this.#transition('held');
    this.#emit({ type: 'call.held', by });
  }

  markResumed(by: 'sip' | 'platform'): void {
    this.#transition('active');
    this.#emit({ type: 'call.resumed', by });
  }

  /** Publish a call-scoped event that is not a state change (DTMF, media stats, routing, transfer). */
  publish(event: CallEventInput): void {
    this.#emit(event);
  }

  /** End the call from the gateway side (a plugin, drain, an API): same as `close('normal', 'gateway')`. */
  hangup(reason: EndReason = 'normal'): Promise<void> {
    return this.close(reason, 'gateway');
  }

  /**
   * End the call: hang up every leg still up, close the media session, then publish `call.ended`.
   * Idempotent; concurrent calls share one closing. A call that never answered ends as `failed` unless the
   * caller cancelled it or the gateway ended it normally.
   */
  close(reason: EndReason = 'normal', by: CallSide = 'gateway', detail?: string): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.closed) return Promise.resolve();
    const failed = !this.answered && !['normal', 'cancelled', 'shutdown'].includes(reason);
    this.#transition(failed ? 'failed' : 'ended');
    this.#closing = this.#releaseEverything(reason, by, detail);
    return this.#closing;
  }

  async #releaseEverything(reason: EndReason, by: CallSide, detail: string | undefined): Promise<void> {
    const legs: CallLeg[] = [this.#sipLeg, this.#platformLeg].filter(
      (leg): leg is SipLeg | PlatformLeg => !!leg,
    );
    // `async` wrappers: a leg or session that throws instead of rejecting is released like one that rejects.
    const results = await Promise.allSettled(
      legs.map(async (leg) => {
        if (!leg.closed) await leg.hangup(leg.side === by ? 'normal' : reason);
      }),
    );
    for (const result of results)
      if (result.status === 'rejected')
        this.#logger.warn(
          { err: result.reason },
          'a leg failed to hang up cleanly; its resources are released anyway',
        );
    const media = this.#media;
    if (media) {
      await (async () => {
        if (!media.closed) await media.close();
      })().catch((error: unknown) => {
        this.#logger.warn({ error: errorMessage(error) }, 'media session failed to close cleanly');
      });
    }
    this.#emit({
      type: 'call.ended',
      reason,
      by,
      durationMs: this.#answeredAt === undefined ? 0 : Date.now() - this.#answeredAt,
      answered: this.answered,
      ...(detail === undefined ? {} : { detail }),
    });
    this.#owner?.callEnded(this);
  }

  #transition(to: CallState): void {
    if (!canTransition(this.#state, to))
      throw new InvalidStateError(`call ${this.id}`, this.#state, `become '${to}'`);
    const from = this.#state;
    this.#state = to;
    this.#logger.debug({ from, to }, 'call state');
    this.#emit({ type: 'call.state', from, to });
  }

  #assertOpen(attempted: string): void {
    if (this.closed || this.#closing) throw new InvalidStateError(`call ${this.id}`, this.#state, attempted);
  }

  #emit(event: CallEventInput): void {
    this.#bus.emit({ ...event, callId: this.id } as GatewayEventInput, this.#deliver);
  }
}
