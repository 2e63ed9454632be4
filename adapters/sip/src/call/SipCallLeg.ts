// One SIP call leg (an inbound Invitation or an outbound Inviter) seen through the core's CallLeg port:
// ring/answer/hangup/hold/resume/DTMF/transfer in, LegEvents out.
import {
  type EndReason,
  type LegEvent,
  type Logger,
  type Party,
  type SipLeg,
  type SipMediaEndpoint,
  TransferFailedError,
  type TransferProgress,
} from '@cubebridge/core';
import { type Observable, ReplaySubject, type Subscription } from 'rxjs';
import {
  type Core,
  type Info,
  Invitation,
  Inviter,
  type Referral,
  type Session,
  SessionState,
  UserAgent,
} from 'sip.js';
import { SipCallError } from '../errors.ts';
import { reasonForStatus, statusForReason } from './endReasons.ts';
import { referNotifyHeaders, sipfragFor, sipfragStatus, sipfragType } from './referNotify.ts';
import { parseDtmfInfo } from './dtmfInfo.ts';
import { parseMinSe } from './sessionIntervalRetry.ts';
import { isPictureFastUpdate, mediaControlType, pictureFastUpdateBody } from './pictureFastUpdate.ts';
import { parseSessionExpires, SessionTimer, sessionIntervalTooSmall, supportsTimer } from './SessionTimer.ts';
import type { MediaDescriptionOptions } from './MediaEndpointSdh.ts';
import {
  answerUpdateOffer,
  contactHeader,
  hasOffer,
  type IncomingUpdate,
  offerConflict,
  type UpdateDelegate,
} from './updateRequests.ts';

/** How long a phone we REFERred may take to report its new call's outcome (it may ring a while). */
const referOutcomeTimeoutMs = 120_000;

/** How many times a re-INVITE is tried when the far end answers 491 Request Pending. */
const maxGlareAttempts = 3;

export interface SipCallLegOptions {
  readonly id: string;
  readonly session: Invitation | Inviter;
  readonly local: Party;
  readonly remote: Party;
  readonly logger: Logger;
  /** RFC 4028 session interval to ask for or grant, seconds; 0 turns session timers off. */
  readonly sessionTimerSec: number;
  /** RFC 4028 Min-SE, seconds: session refreshes (UPDATE) asking for less get 422. Unset: no minimum. */
  readonly minSessionExpiresSec?: number | undefined;
  /** The relay's side of this call: its keyframe wishes go out as SIP INFO, the phone's come in. */
  readonly media: SipMediaEndpoint;
}

export class SipCallLeg implements SipLeg {
  readonly id: string;
  readonly side = 'sip';
  readonly direction: 'inbound' | 'outbound';
  readonly local: Party;
  readonly remote: Party;
  readonly sipCallId: string;
  readonly events$: Observable<LegEvent>;
  readonly #events = new ReplaySubject<LegEvent>(16);
  readonly #session: Invitation | Inviter;
  readonly #stateListener = (state: SessionState): void => this.#onState(state);
  /** Takes our handlers off the confirmed dialog's delegate, which sip.js keeps after the call. */
  #undoDialogDelegate: (() => void) | undefined;
  readonly #logger: Logger;
  #answered = false;
  #ended = false;
  #heldByRemote = false;
  #pendingEnd: Extract<LegEvent, { type: 'ended' }> | undefined;
  #heldLocally = false;
  /** Outbound: the answer a provisional response (183) brought, applied before the call was answered. */
  #earlyAnswer: string | undefined;
  #earlyMediaReported = false;
  readonly #media: SipMediaEndpoint;
  readonly #keyframeRequests: Subscription;
  readonly #sessionTimerSec: number;
  readonly #minSessionExpiresSec: number | undefined;
  /** An UPDATE's offer is with the endpoint and not answered yet (RFC 3311 §5.2: another offer gets 500). */
  #answeringUpdate = false;
  readonly #sessionTimer = new SessionTimer({
    refresh: () => this.#reInvite({ hold: this.#heldLocally }),
    expire: () => {
      this.#logger.info({ leg: this.id }, 'session timer expired without a refresh');
      void this.hangup('error', 'session timer expired');
    },
  });

  constructor(options: SipCallLegOptions) {
    this.id = options.id;
    this.#media = options.media;
    this.#keyframeRequests = options.media.keyframeRequests$.subscribe(
      () => void this.#sendPictureFastUpdate(),
    );
    this.#session = options.session;
    this.#logger = options.logger;
    this.#sessionTimerSec = options.sessionTimerSec;
    this.#minSessionExpiresSec = options.minSessionExpiresSec;
    this.local = options.local;
    this.remote = options.remote;
    this.direction = options.session instanceof Invitation ? 'inbound' : 'outbound';
    this.sipCallId =
      options.session instanceof Invitation ? options.session.request.callId : options.session.request.callId;
    this.events$ = this.#events.asObservable();
    options.session.stateChange.addListener(this.#stateListener);
    const previous = options.session.delegate;
    options.session.delegate = {
      onBye: (bye) => {
        this.#pendingEnd = { type: 'ended', reason: 'normal', detail: 'BYE', by: 'remote' };
        // With a delegate set, sip.js leaves the 200 OK to us.
        bye
          .accept()
          .catch((error: unknown) => this.#logger.warn({ err: error, leg: this.id }, 'could not answer BYE'));
      },
      onCancel: (cancel) => {
        previous?.onCancel?.(cancel);
        this.#pendingEnd = { type: 'ended', reason: 'cancelled', detail: 'CANCEL', by: 'remote' };
      },
      onInfo: (info) => this.#onInfo(info),
      onRefer: (referral) => this.#onRefer(referral),
    };
  }

  get closed(): boolean {
    return this.#ended;
  }

  get session(): Session {
    return this.#session;
  }

  /** Called by the adapter's SDH binding when a remote offer arrives. */
  remoteOffer(held: boolean): void {
    if (!this.#answered || held === this.#heldByRemote) return;
    this.#heldByRemote = held;
    this.#emit(held ? { type: 'held', by: 'remote' } : { type: 'resumed', by: 'remote' });
  }

  /** Called by the adapter's SDH binding when the answer to one of our offers is applied to the endpoint. */
  remoteAnswer(sdp: string): void {
    if (!this.#answered) this.#earlyAnswer = sdp;
  }

  /**
   * Outbound: what the INVITE's responses tell us before the session is established. sip.js (with
   * `earlyMedia`) has already applied the SDP of a 18x to the endpoint when this runs.
   */
  progress(status: number): void {
    if (status === 180 || status === 183) this.#emit({ type: 'ringing' });
    if (this.#earlyAnswer !== undefined && !this.#earlyMediaReported && !this.#answered) {
      this.#earlyMediaReported = true;
      this.#emit({ type: 'early-media' });
    }
  }

  /** Outbound: the INVITE got a final error response. */
  rejected(status: number): void {
    this.#pendingEnd = {
      type: 'ended',
      reason: reasonForStatus(status),
      detail: String(status),
      by: 'remote',
    };
  }

  async ring(): Promise<void> {
    const invitation = this.#inbound('ring');
    if (invitation.state === SessionState.Initial) await invitation.progress({ statusCode: 180 });
  }

  async answer(): Promise<void> {
    const invitation = this.#inbound('answer');
    if (invitation.state === SessionState.Established) return;
    // RFC 4028 §9: grant the caller's session timer (its interval passed our Min-SE when it came in).
    const grant = this.#grantSessionTimer(invitation.request);
    await invitation.accept({ extraHeaders: grant.headers });
    grant.start();
  }

  /**
   * RFC 4028 §9, for the INVITE and for every session refresh the other side sends: the interval it asks
   * for, else the one running, else (an INVITE asking for none) ours, never below its Min-SE. Its refresher
   * is copied; where it names none we refresh (`uas`), so the phone is the side that watches and notices a
   * dead gateway. `Require: timer` only to a request that says `Supported: timer`: a phone without session
   * timers just sees a Session-Expires it may ignore, and our refreshes are plain re-INVITEs to it. Returns
   * the headers of our 2xx and what to do once it is sent (never before: a timer must not outlive a 2xx
   * that failed).
   */
  #grantSessionTimer(request: Core.IncomingRequestMessage): { headers: string[]; start(): void } {
    if (this.#sessionTimerSec === 0) return { headers: [], start: () => this.#sessionTimer.refreshed() };
    const asked = parseSessionExpires(request.getHeader('session-expires'));
    const supported = supportsTimer(request.getHeaders('supported'));
    const running = this.#sessionTimer.plan;
    const intervalSec =
      asked?.intervalSec ??
      running?.intervalSec ??
      Math.max(
        this.#sessionTimerSec,
        this.#minSessionExpiresSec ?? 0,
        parseMinSe(request.getHeader('min-se')) ?? 0,
      );
    // A refresher that keeps refreshing without saying so stays the refresher, if it supports timers (§9:
    // `uac` only to a UAC that does).
    const refresher =
      asked?.refresher ?? (!asked && running?.refresher === 'them' && supported ? 'uac' : 'uas');
    return {
      headers: [
        `Session-Expires: ${intervalSec};refresher=${refresher}`,
        ...(supported ? ['Require: timer'] : []),
      ],
      start: () => this.#sessionTimer.start({ intervalSec, refresher: refresher === 'uas' ? 'us' : 'them' }),
    };
  }

  /**
   * A re-INVITE from the other side is its session refresh (RFC 4028 §10), and its 2xx must carry the grant
   * like the 2xx to an INVITE or UPDATE (§9). sip.js answers re-INVITEs itself (the SDH makes the answer) with
   * only a Contact: its `accept` gets our headers, and the timer restarts once that 2xx is sent (a 488 is no
   * refresh).
   */
  #grantOnAccept(reInvite: Core.IncomingInviteRequest): Core.IncomingInviteRequest {
    const accept = reInvite.accept.bind(reInvite);
    reInvite.accept = (options) => {
      const grant = this.#grantSessionTimer(reInvite.message);
      const response = accept({
        statusCode: 200,
        ...options,
        extraHeaders: [...(options?.extraHeaders ?? []), ...grant.headers],
      });
      grant.start();
      return response;
    };
    return reInvite;
  }

  /**
   * An UPDATE in our confirmed dialog (RFC 3311; see updateRequests.ts for how it gets here). With an offer
   * it renegotiates the media like a re-INVITE (hold/resume reach `remoteOffer` through the SDH); with or
   * without one it is a session refresh (RFC 4028 §10). The 2xx carries our Contact (§5.2).
   */
  async #onUpdate(update: IncomingUpdate): Promise<void> {
    const dialog = this.#session.dialog as Core.SessionDialog | undefined;
    const request = update.message;
    if (this.#ended || !dialog) {
      update.reject({ statusCode: 481 });
      return;
    }
    const offer = hasOffer(request);
    const refusal =
      (offer ? offerConflict(dialog, this.#answeringUpdate) : undefined) ??
      (this.#sessionTimerSec > 0
        ? sessionIntervalTooSmall(request.getHeader('session-expires'), this.#minSessionExpiresSec)
        : undefined);
    if (refusal) {
      update.reject(refusal);
      return;
    }
    let body: Core.Body | undefined;
    if (offer) {
      this.#answeringUpdate = true;
      try {
        body = await answerUpdateOffer(this.#session, update);
      } catch (error) {
        this.#logger.info({ err: error, leg: this.id }, "the media endpoint refused an UPDATE's offer (488)");
        update.reject({ statusCode: 488 });
        return;
      } finally {
        this.#answeringUpdate = false;
      }
    }
    const grant = this.#grantSessionTimer(request);
    update.accept({
      statusCode: 200,
      extraHeaders: [contactHeader(this.#session.userAgent.userAgentCore), ...grant.headers],
      ...(body ? { body } : {}),
    });
    grant.start();
  }

  /**
   * Outbound: the 2xx to our INVITE says whether (and who) refreshes the session (RFC 4028 §7.2). After
   * early media its SDP must be the 183's; sip.js keeps the first answer (RFC 3261 §13.2.1), so a
   * different one is only noted, never applied.
   */
  accepted(sessionExpires: string | undefined, body: string): void {
    if (this.#earlyAnswer !== undefined && body.length > 0 && body !== this.#earlyAnswer) {
      this.#logger.info(
        { leg: this.id },
        "the 200's SDP differs from the early answer; the early answer stays",
      );
    }
    this.#earlyAnswer = undefined;
    this.#startGrantedToUs(sessionExpires);
  }

  /**
   * RFC 4028 §7.2: the Session-Expires of a 2xx to our INVITE or re-INVITE is the session interval, and we (the
   * UAC) refresh unless it says `refresher=uas`. False when it grants none (or session timers are off).
   */
  #startGrantedToUs(sessionExpires: string | undefined): boolean {
    const granted = parseSessionExpires(sessionExpires);
    if (!granted || this.#sessionTimerSec === 0) return false;
    this.#sessionTimer.start({
      intervalSec: granted.intervalSec,
      refresher: granted.refresher === 'uas' ? 'them' : 'us',
    });
    return true;
  }

  async hangup(reason: EndReason, detail?: string): Promise<void> {
    if (this.#ended) return;
    const session = this.#session;
    this.#pendingEnd = detail
      ? { type: 'ended', reason, detail, by: 'local' }
      : { type: 'ended', reason, by: 'local' };
    try {
      if (session.state === SessionState.Established) await session.bye();
      else if (session instanceof Invitation && session.state === SessionState.Initial) {
        const statusCode = statusForReason(reason);
        this.#pendingEnd = { type: 'ended', reason, detail: String(statusCode), by: 'local' };
        await session.reject({ statusCode: statusCode >= 300 ? statusCode : 480 });
      } else if (session instanceof Inviter && session.state === SessionState.Establishing)
        await session.cancel();
      else if (session.state === SessionState.Terminated) this.#finish();
    } catch (error) {
      this.#logger.warn({ err: error, leg: this.id }, 'hangup failed; ending the leg anyway');
      this.#finish();
    }
  }

  async close(): Promise<void> {
    await this.hangup('normal');
  }

  async hold(): Promise<void> {
    await this.#reInvite({ hold: true });
    this.#heldLocally = true;
    this.#emit({ type: 'held', by: 'local' });
  }

  async resume(): Promise<void> {
    await this.#reInvite({ hold: false });
    this.#heldLocally = false;
    this.#emit({ type: 'resumed', by: 'local' });
  }

  async sendDtmf(digits: string, options?: { durationMs?: number }): Promise<void> {
    this.#established('send DTMF');
    for (const digit of digits) {
      if (!/^[0-9A-D*#]$/i.test(digit)) throw new SipCallError(`'${digit}' is not a DTMF digit`);
      await this.#session.info({
        requestOptions: {
          body: {
            contentDisposition: 'render',
            contentType: 'application/dtmf-relay',
            content: `Signal=${digit}\r\nDuration=${options?.durationMs ?? 160}\r\n`,
          },
        },
      });
    }
  }

  /**
   * Blind transfer of the phone (RFC 3515, RFC 5589 §6): REFER, then the phone's NOTIFYs tell how its new call
   * goes; resolves on a 2xx sipfrag, rejects with TransferFailedError on a failure, a refused REFER or no final
   * NOTIFY in time.
   */
  async transfer(target: string): Promise<void> {
    this.#established('transfer');
    const uri = UserAgent.makeURI(target);
    if (!uri) throw new SipCallError(`'${target}' is not a SIP URI`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => settle(new TransferFailedError('no-answer', 'no final NOTIFY for the REFER')),
        referOutcomeTimeoutMs,
      );
      let ended: Subscription | undefined;
      const settle = (failure?: Error) => {
        clearTimeout(timer);
        queueMicrotask(() => ended?.unsubscribe());
        if (failure) reject(failure);
        else resolve();
      };
      // The phone may hang up before its final NOTIFY: nothing more will come then.
      ended = this.events$.subscribe((event) => {
        if (event.type === 'ended') settle(new TransferFailedError('cancelled', 'the call ended'));
      });
      this.#session
        .refer(uri, {
          onNotify: (notification) => {
            notification.accept().catch(() => undefined);
            const status = sipfragStatus(notification.request.body);
            if (status === undefined || status < 200) return;
            settle(
              status < 300 ? undefined : new TransferFailedError(reasonForStatus(status), String(status)),
            );
          },
          requestDelegate: {
            onReject: (response) => {
              const status = response.message.statusCode ?? 500;
              settle(new TransferFailedError(reasonForStatus(status), `REFER refused with ${status}`));
            },
          },
        })
        .catch((error: unknown) => settle(error instanceof Error ? error : new SipCallError(String(error))));
    });
  }

  async #reInvite(options: MediaDescriptionOptions): Promise<void> {
    const action = options.hold ? 'hold' : 'resume';
    /** RFC 4028 §7.4/§8.1: the Min-SE of a 422 to this re-INVITE, which the one retry asks for. */
    let raisedTo: number | undefined;
    for (let glareAttempt = 1; ; ) {
      this.#established(action);
      // An UPDATE's offer is with the endpoint: ours would collide with it, as a 491 says (and is retried).
      const response = this.#answeringUpdate
        ? { status: 491 }
        : await new Promise<{ status: number; message: Core.IncomingResponseMessage }>((resolve, reject) => {
            const extraHeaders = this.#refreshHeaders(raisedTo);
            this.#session
              .invite({
                sessionDescriptionHandlerOptions: options,
                // Every re-INVITE of ours refreshes the session too (RFC 4028 §7.4).
                ...(extraHeaders.length > 0 ? { requestOptions: { extraHeaders } } : {}),
                requestDelegate: {
                  onAccept: ({ message }) => resolve({ status: 200, message }),
                  onReject: ({ message }) => resolve({ status: message.statusCode ?? 500, message }),
                },
              })
              .catch(reject);
          });
      const { status } = response;
      if (status < 300) {
        const plan = this.#sessionTimer.plan;
        if (
          this.#startGrantedToUs(
            'message' in response ? response.message.getHeader('session-expires') : undefined,
          )
        )
          return;
        if (raisedTo !== undefined && plan) this.#sessionTimer.start({ ...plan, intervalSec: raisedTo });
        else this.#sessionTimer.refreshed();
        return;
      }
      // 422 Session Interval Too Small: once, with Session-Expires and Min-SE raised to the far end's Min-SE.
      const minSe =
        status === 422 && 'message' in response
          ? parseMinSe(response.message.getHeader('min-se'))
          : undefined;
      if (minSe !== undefined && raisedTo === undefined && this.#sessionTimerSec > 0) {
        this.#logger.info(
          { leg: this.id, minSe },
          `${action}: re-INVITE refused with 422, retried with Min-SE`,
        );
        raisedTo = minSe;
        continue;
      }
      if (status !== 491 || glareAttempt === maxGlareAttempts) {
        throw new SipCallError(`${action}: re-INVITE refused with ${status}`);
      }
      glareAttempt++;
      // Glare (RFC 3261 §14.1): the Call-ID's owner waits 2.1–4 s, the other side 0–2 s, then tries again.
      const [low, high] = this.direction === 'outbound' ? [2100, 4000] : [0, 2000];
      await new Promise((resolve) => setTimeout(resolve, low + Math.random() * (high - low)));
    }
  }

  /**
   * The RFC 4028 headers of our re-INVITE: the session interval with us as refresher, or (retrying after a
   * 422) the far end's Min-SE as both Session-Expires and Min-SE (§7.4). None without session timers.
   */
  #refreshHeaders(raisedTo: number | undefined): string[] {
    if (raisedTo !== undefined) return [`Session-Expires: ${raisedTo};refresher=uac`, `Min-SE: ${raisedTo}`];
    const plan = this.#sessionTimer.plan;
    return plan ? [`Session-Expires: ${plan.intervalSec};refresher=uac`] : [];
  }

  #onState(state: SessionState): void {
    if (state === SessionState.Established && !this.#answered) {
      this.#answered = true;
      // sip.js has just given the confirmed dialog its delegate: UPDATEs in it come to us.
      const delegate = this.#session.dialog?.delegate as
        | (Core.SessionDelegate & Partial<UpdateDelegate>)
        | undefined;
      if (delegate) {
        delegate.onUpdate = (update) =>
          void this.#onUpdate(update).catch((error: unknown) =>
            this.#logger.warn({ err: error, leg: this.id }, 'could not answer an UPDATE'),
          );
        const onInvite = delegate.onInvite;
        if (onInvite)
          delegate.onInvite = (reInvite) => onInvite.call(delegate, this.#grantOnAccept(reInvite));
        this.#undoDialogDelegate = () => {
          delete delegate.onUpdate;
          if (onInvite) delegate.onInvite = onInvite;
        };
      }
      this.#emit({ type: 'answered' });
    }
    // sip.js changes state before it hands the final response to our delegate: let that run first.
    if (state === SessionState.Terminated) queueMicrotask(() => this.#finish());
  }

  /** Phones that do not understand it answer 415 or 501: that is their business, not an error of the call. */
  async #sendPictureFastUpdate(): Promise<void> {
    if (this.#ended || this.#session.state !== SessionState.Established) return;
    try {
      await this.#session.info({
        requestOptions: {
          body: {
            contentDisposition: 'session',
            contentType: mediaControlType,
            content: pictureFastUpdateBody,
          },
        },
      });
    } catch (error) {
      this.#logger.debug({ err: error, leg: this.id }, 'picture_fast_update INFO not sent');
    }
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#keyframeRequests.unsubscribe();
    this.#sessionTimer.close();
    // sip.js keeps the terminated session for its transaction timers (Timer L: 32 s after a 2xx): it must not
    // keep this leg, its media endpoint and the gateway's call with it.
    this.#session.stateChange.removeListener(this.#stateListener);
    this.#session.delegate = undefined;
    this.#undoDialogDelegate?.();
    this.#undoDialogDelegate = undefined;
    this.#emit(
      this.#pendingEnd ?? { type: 'ended', reason: this.#answered ? 'normal' : 'error', by: 'remote' },
    );
    this.#events.complete();
  }

  #onInfo(info: Info): void {
    const request = info.request;
    if (isPictureFastUpdate(request.getHeader('content-type') ?? '', request.body)) {
      info.accept().catch(() => undefined);
      this.#media.keyframeRequestedByPeer();
      return;
    }
    const digit = parseDtmfInfo(request.getHeader('content-type') ?? '', request.body);
    if (!digit) {
      info.reject({ statusCode: 415 }).catch(() => undefined);
      return;
    }
    info.accept().catch(() => undefined);
    this.#emit({ type: 'dtmf', digit: digit.digit, durationMs: digit.durationMs, via: 'sip-info' });
  }

  /**
   * RFC 3515: accept the REFER (202), say at once that we are trying (NOTIFY `100 Trying`), and hand the
   * core a `report` for the outcome, which goes out as the final NOTIFY and ends the implicit subscription.
   * Attended transfer (Refer-To with Replaces, RFC 3891) is not carried out: refused with 501.
   */
  #onRefer(referral: Referral): void {
    if (referral.replaces) {
      this.#logger.info(
        { leg: this.id },
        'refused a REFER with Replaces: attended transfer is not supported',
      );
      referral.reject({ statusCode: 501 }).catch(() => undefined);
      return;
    }
    const uri = referral.referTo.uri.clone();
    uri.clearHeaders();
    referral
      .accept()
      .then(() => {
        this.#notifyRefer('SIP/2.0 100 Trying', false);
        let reported = false;
        this.#emit({
          type: 'transfer-requested',
          target: uri.toString(),
          report: (progress: TransferProgress) => {
            if (reported) return;
            reported = true;
            this.#notifyRefer(sipfragFor(progress), true);
          },
        });
      })
      .catch((error: unknown) => this.#logger.warn({ err: error, leg: this.id }, 'could not accept REFER'));
  }

  /** One NOTIFY of a REFER's implicit subscription; a dialog already gone (the transferor left) gets none. */
  #notifyRefer(sipfrag: string, final: boolean): void {
    const dialog = this.#session.dialog;
    if (!dialog || this.#session.state !== SessionState.Established) return;
    try {
      dialog.notify(undefined, {
        extraHeaders: referNotifyHeaders(final),
        body: { contentDisposition: 'render', contentType: sipfragType, content: `${sipfrag}\r\n` },
      });
    } catch (error) {
      this.#logger.info({ err: error, leg: this.id }, 'REFER progress NOTIFY not sent');
    }
  }

  #inbound(action: string): Invitation {
    if (!(this.#session instanceof Invitation)) throw new SipCallError(`cannot ${action} an outbound leg`);
    if (this.#ended) throw new SipCallError(`cannot ${action}: the leg has ended`);
    return this.#session;
  }

  #established(action: string): void {
    if (this.#session.state !== SessionState.Established) {
      throw new SipCallError(`cannot ${action}: the session is ${this.#session.state}`);
    }
  }

  #emit(event: LegEvent): void {
    if (!this.#ended || event.type === 'ended') this.#events.next(event);
  }
}
