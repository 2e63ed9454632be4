// Joins the two sides of every call: takes incoming calls from the SIP adapter and the platform, asks the
// hooks, creates the media session, places the other leg and relays progress, DTMF, hold and hang-up between
// the legs, and carries out transfers a SIP leg asks for. All call state changes go through `Call`, so every
// step is an event. The bridge owns the calls it creates: their end reaches it directly (`CallOwner`), and what
// it keeps per call (the registry entry, relay subscriptions, a pending transfer) is released there.
// An exception while handling one call ends that call, never the process (`#contain`).
import { Subscription } from 'rxjs';
import { Call, type CallOwner } from '../calls/Call.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import { errorMessage, TransferFailedError } from '../errors.ts';
import type { EventBus } from '../events/EventBus.ts';
import type { Hooks } from '../hooks/Hooks.ts';
import type { CallRequest, RouteDestination, RouteRefusal, TransferRequest } from '../hooks/HookTypes.ts';
import type { Logger } from '../logging/Logger.ts';
import type { CallLeg, EndReason, LegEvent, Party } from '../ports/common.ts';
import { legOutcome } from './legOutcome.ts';
import type { MediaRelay, MediaSession, MediaSessionEvent } from '../ports/MediaRelay.ts';
import type { IncomingPlatformCall, Platform, PlatformLeg } from '../ports/Platform.ts';
import type { IncomingSipCall, SipAdapter, SipLeg } from '../ports/SipAdapter.ts';

export interface CallBridgeOptions {
  readonly bus: EventBus;
  readonly hooks: Hooks;
  readonly calls: CallRegistry;
  readonly logger: Logger;
  readonly sip: SipAdapter | undefined;
  readonly media: MediaRelay | undefined;
  readonly platform: Platform | undefined;
  /** False while draining or stopping: new calls are refused as unavailable. */
  readonly accepting: () => boolean;
}

type Incoming = IncomingSipCall | IncomingPlatformCall;
type TransferRequested = Extract<LegEvent, { type: 'transfer-requested' }>;

/** A transfer under way: the leg that asked, and how it ended if its party left before the target answered. */
interface PendingTransfer {
  readonly transferor: CallLeg;
  left: Extract<LegEvent, { type: 'ended' }> | undefined;
  /** Aborted by the call's end, which settles the wait for the target. */
  readonly callEnded: AbortController;
}

export class CallBridge {
  readonly #options: CallBridgeOptions;
  readonly #subscriptions: Subscription[] = [];
  /** Per call in progress, what ends with it: the relays of its legs and of its media session. */
  readonly #tiedToCall = new Map<Call, Subscription>();
  /** Each attached leg's relay, so a transfer can stop relaying the leg it replaces. */
  readonly #relays = new WeakMap<CallLeg, Subscription>();
  readonly #transfers = new Map<Call, PendingTransfer>();
  readonly #owner: CallOwner = { callEnded: (call) => this.#callEnded(call) };

  constructor(options: CallBridgeOptions) {
    this.#options = options;
  }

  /** Start taking calls from whichever sides exist. */
  listen(): void {
    const { sip, platform } = this.#options;
    if (sip)
      this.#subscriptions.push(
        sip.incoming$.subscribe((incoming) => void this.#take(incoming, () => this.#fromSip(incoming))),
      );
    if (platform)
      this.#subscriptions.push(
        platform.incoming$.subscribe(
          (incoming) => void this.#take(incoming, () => this.#fromPlatform(incoming)),
        ),
      );
  }

  /** Stop taking new calls (calls in progress go on). */
  stopListening(): void {
    for (const subscription of this.#subscriptions.splice(0)) subscription.unsubscribe();
  }

  /**
   * Handle one incoming call; a failure before its `Call` exists (which `#setUp` would contain) is refused
   * here, logged once and counted, so that it never reaches the process.
   */
  async #take(incoming: Incoming, handle: () => Promise<void>): Promise<void> {
    try {
      await handle();
    } catch (error) {
      this.#options.logger.error({ err: error }, 'taking an incoming call failed; refusing it');
      this.#options.bus.emit({ type: 'gateway.call-error', stage: 'incoming', error: errorMessage(error) });
      await Promise.resolve()
        .then(() => incoming.reject('error', errorMessage(error)))
        .catch(() => undefined);
    }
  }

  /**
   * Run one piece of a call's handling so that whatever it throws or rejects ends that call only: logged once
   * with the call id, counted as `gateway.call-error`, the call closed (its legs hung up). Never rejects.
   */
  async #contain(call: Call, stage: string, work: () => unknown): Promise<void> {
    try {
      await work();
    } catch (error) {
      call.logger.error({ err: error, stage }, 'handling the call failed; ending it');
      this.#options.bus.emit({
        type: 'gateway.call-error',
        callId: call.id,
        stage,
        error: errorMessage(error),
      });
      await call.close('error', 'gateway', errorMessage(error)).catch((closeError: unknown) => {
        call.logger.error({ err: closeError }, 'ending the call after an error failed as well');
      });
    }
  }

  /** The owner's side of a call's end: everything kept for it goes, directly and loudly (not an observer). */
  #callEnded(call: Call): void {
    this.#options.calls.remove(call);
    this.#transfers.get(call)?.callEnded.abort();
    const tied = this.#tiedToCall.get(call);
    this.#tiedToCall.delete(call);
    tied?.unsubscribe();
  }

  /** Tie `subscription` to the call's lifetime; a call that has already ended gets it ended at once. */
  #tie(call: Call, subscription: Subscription): void {
    const tied = this.#tiedToCall.get(call);
    if (tied) tied.add(subscription);
    else subscription.unsubscribe();
  }

  #fromSip(incoming: IncomingSipCall): Promise<void> {
    return this.#cross(incoming, 'sip-to-platform', incoming.headers, {
      leadsTo: 'platform',
      wrongDestination: 'a SIP call can only be routed to app users',
      accept: (session) => incoming.accept(session.sip),
      place: (destination, call, session) =>
        this.#required('platform').call({
          callId: call.id,
          to: destination.users,
          from: incoming.from,
          media: session.webrtc,
          kinds: incoming.offered,
          ...(destination.userInfo ? { userInfo: destination.userInfo } : {}),
          ...(destination.ringTimeoutMs ? { ringTimeoutMs: destination.ringTimeoutMs } : {}),
        }),
    });
  }

  #fromPlatform(incoming: IncomingPlatformCall): Promise<void> {
    return this.#cross(incoming, 'platform-to-sip', incoming.userInfo, {
      leadsTo: 'sip',
      wrongDestination: 'an app call can only be routed to SIP',
      accept: (session) => incoming.accept(session.webrtc),
      place: (destination, call, session) =>
        this.#required('sip').call({
          callId: call.id,
          to: destination.uri,
          caller: incoming.from,
          media: session.sip,
          kinds: incoming.offered,
          ...(destination.account ? { account: destination.account } : {}),
          ...(destination.headers ? { headers: destination.headers } : {}),
        }),
    });
  }

  /**
   * One crossing, either way: open the call, admit and route it, create the media session, take the caller's
   * leg with its side of the session, then place the other leg with the other side.
   */
  async #cross<K extends RouteDestination['kind']>(
    incoming: Incoming,
    direction: Call['direction'],
    attributes: Readonly<Record<string, string>>,
    crossing: {
      readonly leadsTo: K;
      /** Why a destination of the other kind is refused. */
      readonly wrongDestination: string;
      accept(session: MediaSession): Promise<SipLeg | PlatformLeg>;
      place(
        destination: Extract<RouteDestination, { kind: K }>,
        call: Call,
        session: MediaSession,
      ): Promise<SipLeg | PlatformLeg>;
    },
  ): Promise<void> {
    const call = this.#open(incoming, direction);
    if (!call) return;
    await this.#setUp(call, incoming, attributes, async (request) => {
      const destination = await this.#decide(call, request);
      if (!('kind' in destination))
        return this.#refuse(call, incoming, destination.reason, destination.detail);
      if (destination.kind !== crossing.leadsTo)
        return this.#refuse(call, incoming, 'not-found', crossing.wrongDestination);
      this.#required(crossing.leadsTo); // fail before any media is set up when the other side is missing
      const session = await this.#required('media').createSession({
        callId: call.id,
        logger: call.logger.child({ component: 'media' }),
      });
      this.#attachMedia(call, session);
      this.#attachLeg(call, await crossing.accept(session));
      if (call.closed) return;
      this.#attachLeg(
        call,
        await crossing.place(destination as Extract<RouteDestination, { kind: K }>, call, session),
      );
    });
  }

  /** Create and register the call, or refuse at once while the gateway is not accepting calls. */
  #open(incoming: Incoming, direction: Call['direction']): Call | undefined {
    const { bus, calls, logger } = this.#options;
    if (!this.#options.accepting()) {
      void incoming.reject('unavailable', 'gateway is draining').catch(() => undefined);
      logger.info(
        { from: incoming.from.uri, to: incoming.to.uri },
        'refused a new call: the gateway is draining',
      );
      return undefined;
    }
    const call = new Call(
      { direction, from: incoming.from, to: incoming.to, offered: incoming.offered },
      bus,
      logger,
      this.#owner,
    );
    calls.add(call);
    this.#tiedToCall.set(call, new Subscription());
    call.announce();
    call.logger.info({ direction, from: incoming.from.uri, to: incoming.to.uri }, 'new call');
    return call;
  }

  /** Admission, then the direction-specific set-up; a caller who cancels meanwhile ends the call. */
  async #setUp(
    call: Call,
    incoming: Incoming,
    attributes: Readonly<Record<string, string>>,
    proceed: (request: CallRequest) => Promise<void>,
  ): Promise<void> {
    const cancelled = incoming.cancelled$.subscribe(
      () =>
        void this.#contain(call, 'cancel', () =>
          call.close('cancelled', call.direction === 'sip-to-platform' ? 'sip' : 'platform'),
        ),
    );
    const request: CallRequest = {
      callId: call.id,
      direction: call.direction,
      from: call.from,
      to: call.to,
      offered: call.offered,
      attributes,
    };
    try {
      const admission = await this.#options.hooks.admit.run(request);
      if (admission.decided && !admission.decision.admit) {
        return await this.#refuse(
          call,
          incoming,
          admission.decision.status ?? 'refused',
          admission.decision.reason,
        );
      }
      if (!admission.decided && admission.failedHandler)
        return await this.#refuse(call, incoming, 'refused', admission.reason);
      if (call.closed) return;
      await proceed(request);
    } catch (error) {
      if (!call.sipLeg && !call.platformLeg)
        await Promise.resolve()
          .then(() => incoming.reject('error', errorMessage(error)))
          .catch(() => undefined);
      await this.#contain(call, 'set-up', () => {
        throw error;
      });
    } finally {
      cancelled.unsubscribe();
    }
  }

  /** The route hook's answer: a destination, or a refusal (a dial plan's own, or "no route"). */
  async #decide(call: Call, request: CallRequest): Promise<RouteDestination | RouteRefusal> {
    const outcome = await this.#options.hooks.route.run(request);
    if (!outcome.decided) {
      call.logger.info({ reason: outcome.reason }, 'no route');
      return outcome.failedHandler
        ? { reason: 'refused', detail: outcome.reason }
        : { reason: 'not-found', detail: 'no route for this call' };
    }
    if ('refuse' in outcome.decision) return outcome.decision.refuse;
    call.publish({ type: 'call.routed', destination: outcome.decision.destination, by: outcome.by });
    return outcome.decision.destination;
  }

  async #refuse(
    call: Call,
    incoming: Incoming,
    reason: EndReason,
    detail = 'no route for this call',
  ): Promise<void> {
    call.logger.info({ reason, detail }, 'call refused');
    await incoming
      .reject(reason, detail)
      .catch((error: unknown) => call.logger.warn({ err: error }, 'reject failed'));
    await call.close(reason, 'gateway', detail);
  }

  #required<K extends 'sip' | 'media' | 'platform'>(name: K): NonNullable<CallBridgeOptions[K]> {
    const adapter = this.#options[name];
    if (!adapter) throw new Error(`no ${name} adapter is configured`);
    return adapter as NonNullable<CallBridgeOptions[K]>;
  }

  /**
   * Attach a leg and relay its events from this moment on, so nothing it reports while the other leg is still
   * being placed (a hang-up, a CANCEL) is missed: the callee's progress goes to the caller, hang-up either way
   * releases the other, DTMF crosses over, hold is observed.
   */
  #attachLeg(call: Call, leg: SipLeg | PlatformLeg): void {
    if (call.closed) {
      // The call ended while this leg was being placed or accepted (a CANCEL, a hang-up): nobody will ever
      // release it but us.
      call.logger.info({ side: leg.side }, 'the call ended while its leg was set up; hanging the leg up');
      void this.#contain(call, 'late-leg', () => leg.hangup('cancelled'));
      return;
    }
    call.attachLeg(leg);
    this.#relay(call, leg);
  }

  #relay(call: Call, leg: SipLeg | PlatformLeg): void {
    const relay = leg.events$.subscribe({
      next: (event) =>
        void this.#contain(call, `leg-${event.type}`, () => this.#onLegEvent(call, leg, event)),
      error: (error: unknown) =>
        void this.#contain(call, 'leg-error', () => call.close('error', leg.side, errorMessage(error))),
    });
    this.#relays.set(leg, relay);
    this.#tie(call, relay);
  }

  /** Stop relaying a leg that left the call (a transfer replaced it). */
  #unrelay(call: Call, leg: CallLeg): void {
    const relay = this.#relays.get(leg);
    if (!relay) return;
    relay.unsubscribe();
    this.#relays.delete(leg);
    this.#tiedToCall.get(call)?.remove(relay);
  }

  #attachMedia(call: Call, media: MediaSession): void {
    call.attachMedia(media);
    this.#tie(
      call,
      media.events$.subscribe({
        next: (event) =>
          void this.#contain(call, `media-${event.type}`, () => this.#onMediaEvent(call, event)),
        error: (error: unknown) =>
          void this.#contain(call, 'media-error', () => {
            throw error;
          }),
      }),
    );
  }

  #onMediaEvent(call: Call, event: MediaSessionEvent): void {
    if (event.type === 'stats')
      call.publish({ type: 'call.media-stats', stats: event.stats, final: event.final });
    if (event.type !== 'dtmf') return;
    const from = event.leg === 'sip' ? 'sip' : 'platform';
    call.publish({
      type: 'call.dtmf',
      digit: event.digit,
      durationMs: event.durationMs,
      from,
      via: 'rfc4733',
    });
    // RFC 4733 from the phone is also carried to the app as a message it can read.
    if (from === 'sip') {
      void call.platformLeg?.sendDtmf(event.digit, { durationMs: event.durationMs }).catch(() => undefined);
    }
  }

  /** One leg event relayed; whatever it throws is contained by the caller (`#contain`), which ends the call. */
  async #onLegEvent(call: Call, leg: CallLeg, event: LegEvent): Promise<void> {
    if (call.closed) return;
    const side = leg.side;
    const other: CallLeg | undefined = side === 'sip' ? call.platformLeg : call.sipLeg;
    switch (event.type) {
      case 'ringing':
        if (leg.direction === 'outbound' && call.state === 'routing') {
          call.markRinging();
          await other?.ring();
        }
        return;
      case 'answered':
        if (leg.direction === 'outbound' && (call.state === 'routing' || call.state === 'ringing')) {
          await other?.answer();
          call.markAnswered();
        }
        return;
      case 'held':
        if (call.state === 'active') call.markHeld(side);
        return;
      case 'resumed':
        if (call.state === 'held') call.markResumed(side);
        return;
      case 'dtmf':
        call.publish({
          type: 'call.dtmf',
          digit: event.digit,
          durationMs: event.durationMs,
          from: side,
          via: event.via,
        });
        await other?.sendDtmf(event.digit, { durationMs: event.durationMs });
        return;
      case 'transfer-requested':
        void this.#contain(call, 'transfer', () => this.#transfer(call, leg, event));
        return;
      case 'ended': {
        // A blind transferor may hang up as soon as its REFER is accepted: the call waits for the target.
        const pending = this.#transfers.get(call);
        if (pending?.transferor === leg) {
          pending.left = event;
          return;
        }
        await call.close(event.reason, side, event.detail);
        return;
      }
      case 'early-media':
        return;
    }
  }

  /**
   * Blind transfer asked by the SIP leg (RFC 3515 REFER; RFC 5589 §6): the `transfer` hook decides, the
   * `route` hook places the new leg as for any app-to-SIP call (so the dial plan applies), and once the
   * target answers the new leg takes the SIP side of the call on the same media session (the relay gets a
   * new offer/answer for it) and the transferor's leg is ended. A target that fails leaves the call as it
   * was: the media endpoint is renegotiated with the transferor, since the new leg's offer touched it.
   */
  async #transfer(call: Call, leg: CallLeg, event: TransferRequested): Promise<void> {
    const by = leg.side;
    call.publish({ type: 'call.transfer-requested', target: event.target, by });
    const fail = (reason: EndReason, detail?: string): void => {
      call.logger.info({ target: event.target, reason, detail }, 'transfer failed');
      event.report?.({ state: 'failed', reason, ...(detail === undefined ? {} : { detail }) });
      if (!call.closed)
        call.publish({
          type: 'call.transfer-failed',
          target: event.target,
          by,
          reason,
          ...(detail === undefined ? {} : { detail }),
        });
    };
    if (by === 'platform') return this.#transferPhone(call, leg, event, fail);
    const platformLeg = call.platformLeg;
    const media = call.media;
    const sip = this.#options.sip;
    if (
      leg !== call.sipLeg ||
      !platformLeg ||
      !media ||
      !sip ||
      (call.state !== 'active' && call.state !== 'held') ||
      this.#transfers.has(call)
    )
      return fail('refused', 'this call cannot be transferred now');
    const pending: PendingTransfer = { transferor: leg, left: undefined, callEnded: new AbortController() };
    this.#transfers.set(call, pending);
    let outcome: 'transferred' | 'refused' | 'target-failed' = 'refused';
    try {
      const resolved = await this.#transferDestination(
        call,
        { callId: call.id, by, target: event.target, transferor: leg.remote, transferee: platformLeg.remote },
        platformLeg.remote,
        { transferor: leg.remote.uri },
        fail,
      );
      if (!resolved) return;
      const { target, destination, ringTimeoutMs } = resolved;
      if (call.closed) return fail('cancelled', 'the call ended');
      call.logger.info({ target, uri: destination.uri }, 'transfer: calling the target');
      // From here the media endpoint is negotiating with the target.
      outcome = 'target-failed';
      const newLeg = await sip.call({
        callId: call.id,
        to: destination.uri,
        caller: platformLeg.remote,
        media: media.sip,
        kinds: call.offered,
        ...(destination.account ? { account: destination.account } : {}),
        ...(destination.headers ? { headers: destination.headers } : {}),
      });
      const result = await legOutcome(newLeg, pending.callEnded.signal, ringTimeoutMs);
      if (!result.answered || call.closed) {
        if (!newLeg.closed) await newLeg.hangup(result.answered ? 'normal' : result.reason);
        return result.answered ? fail('cancelled', 'the call ended') : fail(result.reason, result.detail);
      }
      this.#unrelay(call, leg);
      call.replaceSipLeg(newLeg);
      this.#relay(call, newLeg);
      outcome = 'transferred';
      event.report?.({ state: 'succeeded' });
      call.publish({
        type: 'call.transferred',
        target,
        by,
        party: newLeg.remote,
        sipCallId: newLeg.sipCallId,
      });
      call.logger.info({ target, sipCallId: newLeg.sipCallId }, 'transferred');
      if (!leg.closed) await leg.hangup('normal');
    } catch (error) {
      call.logger.warn({ err: error }, 'transfer failed');
      if (outcome !== 'transferred') fail('error', errorMessage(error));
    } finally {
      this.#transfers.delete(call);
      if (outcome !== 'transferred')
        await this.#afterFailedTransfer(call, pending, outcome === 'target-failed');
    }
  }

  /**
   * Where a transfer goes, whichever side asked: the `transfer` hook allows it (and may rewrite the target), then
   * the `route` hook maps the target as for any app-to-SIP call from `appParty`. Undefined once `fail` was told why.
   */
  async #transferDestination(
    call: Call,
    request: TransferRequest,
    appParty: Party,
    attributes: Readonly<Record<string, string>>,
    fail: (reason: EndReason, detail?: string) => void,
  ): Promise<
    | { target: string; destination: Extract<RouteDestination, { kind: 'sip' }>; ringTimeoutMs?: number }
    | undefined
  > {
    const decision = await this.#options.hooks.transfer.run(request);
    if (!decision.decided) {
      fail('declined', decision.failedHandler ? decision.reason : 'no plugin allows transfers');
      return undefined;
    }
    if (!decision.decision.allow) {
      fail(decision.decision.reason ?? 'declined', decision.decision.detail);
      return undefined;
    }
    const target = decision.decision.target ?? request.target;
    const route = await this.#options.hooks.route.run({
      callId: call.id,
      direction: 'platform-to-sip',
      from: appParty,
      to: { uri: target },
      offered: call.offered,
      attributes: { to: target, ...attributes },
    });
    if (!route.decided) {
      fail(route.failedHandler ? 'refused' : 'not-found', route.reason);
      return undefined;
    }
    if ('refuse' in route.decision) {
      fail(route.decision.refuse.reason, route.decision.refuse.detail);
      return undefined;
    }
    const destination = route.decision.destination;
    if (destination.kind !== 'sip') {
      fail('not-found', 'a transfer can only go to a SIP destination');
      return undefined;
    }
    const { ringTimeoutMs } = decision.decision;
    return ringTimeoutMs === undefined ? { target, destination } : { target, destination, ringTimeoutMs };
  }

  /**
   * Blind transfer asked by the app user: after the `transfer` hook, the target goes through `route` (so an
   * extension is dialled as the dial plan maps it) and the phone is sent a REFER to it. Once the phone reports
   * its new call up, the call ends here (the phone's BYE, or ours); if it reports a failure, the call goes on.
   */
  async #transferPhone(
    call: Call,
    leg: CallLeg,
    event: TransferRequested,
    fail: (reason: EndReason, detail?: string) => void,
  ): Promise<void> {
    const sipLeg = call.sipLeg;
    if (leg !== call.platformLeg || !sipLeg || (call.state !== 'active' && call.state !== 'held'))
      return fail('refused', 'this call cannot be transferred now');
    try {
      const resolved = await this.#transferDestination(
        call,
        {
          callId: call.id,
          by: 'platform',
          target: event.target,
          transferor: leg.remote,
          transferee: sipLeg.remote,
        },
        leg.remote,
        { transferee: sipLeg.remote.uri },
        fail,
      );
      if (!resolved) return;
      const { target, destination } = resolved;
      call.logger.info({ target, uri: destination.uri }, 'transfer: REFER to the phone');
      await sipLeg.transfer(destination.uri);
      if (call.closed) return;
      event.report?.({ state: 'succeeded' });
      call.publish({ type: 'call.transferred', target, by: 'platform', party: { uri: destination.uri } });
      call.logger.info({ target }, 'transferred the phone');
      await call.close('normal', 'gateway', 'transferred');
    } catch (error) {
      if (error instanceof TransferFailedError) fail(error.reason, error.detail);
      else fail('error', errorMessage(error));
    }
  }

  /**
   * The call stays as it was: its media endpoint gets a new offer/answer with the transferor (the new leg's
   * offer, or its early answer, left it elsewhere), keeping the hold state. If the transferor has already
   * left, nobody is on the SIP side any more and the call ends.
   */
  async #afterFailedTransfer(call: Call, pending: PendingTransfer, renegotiate: boolean): Promise<void> {
    if (call.closed) return;
    if (pending.left || pending.transferor.closed) {
      await call.close('normal', 'sip', 'the transferor left and the transfer failed');
      return;
    }
    if (!renegotiate) return;
    try {
      if (call.state === 'held') await pending.transferor.hold();
      else await pending.transferor.resume();
      call.logger.info('transfer failed; media renegotiated with the transferor');
    } catch (error) {
      call.logger.warn(
        { err: error },
        'could not renegotiate media with the transferor after a failed transfer',
      );
    }
  }
}
