// An INVITE that reached the gateway, offered to the core: accept it with a media endpoint (which gets
// the INVITE's offer at once) or reject it; `cancelled$` tells when the caller gave up first.
import { randomUUID } from 'node:crypto';
import type {
  EndReason,
  IncomingSipCall,
  Logger,
  MediaKinds,
  Party,
  SipLeg,
  SipMediaEndpoint,
} from '@cubebridge/core';
import { type Observable, ReplaySubject } from 'rxjs';
import { type Invitation, SessionState } from 'sip.js';
import { originalRequestUriHeader } from '../transport/SipWireCodec.ts';
import { SipCallError } from '../errors.ts';
import { guardInvitation } from './guardInvitation.ts';
import { statusForReason } from './endReasons.ts';
import type { MediaBindings } from './MediaEndpointSdh.ts';
import { SipCallLeg } from './SipCallLeg.ts';

const forwardedHeaders = /^(x-(?!cubebridge-)|diversion$|p-asserted-identity$|referred-by$)/i;

export class IncomingCall implements IncomingSipCall {
  readonly from: Party;
  readonly to: Party;
  readonly via: { readonly kind: 'account' | 'trunk'; readonly name: string };
  readonly offered: MediaKinds;
  readonly headers: Readonly<Record<string, string>>;
  readonly cancelled$: Observable<void>;
  readonly #cancelled = new ReplaySubject<void>(1);
  readonly #invitation: Invitation;
  readonly #bindings: MediaBindings;
  readonly #logger: Logger;
  #leg: SipCallLeg | undefined;
  #settled = false;
  #answered = false;
  #cancelReceived = false;

  readonly #track: (leg: SipCallLeg, via: IncomingSipCall['via']) => void;
  readonly #sessionTimerSec: number;
  readonly #minSessionExpiresSec: number | undefined;

  constructor(
    invitation: Invitation,
    via: IncomingSipCall['via'],
    bindings: MediaBindings,
    logger: Logger,
    track: (leg: SipCallLeg, via: IncomingSipCall['via']) => void,
    sessionTimerSec: number,
    minSessionExpiresSec?: number,
  ) {
    this.#sessionTimerSec = sessionTimerSec;
    this.#minSessionExpiresSec = minSessionExpiresSec;
    this.#track = track;
    this.#invitation = invitation;
    guardInvitation(invitation);
    this.#bindings = bindings;
    this.#logger = logger;
    this.via = via;
    const request = invitation.request;
    this.from = party(request.from.uri.toString(), request.from.displayName);
    const requestUri = request.getHeader(originalRequestUriHeader) ?? request.ruri?.toString() ?? '';
    this.to =
      via.kind === 'trunk'
        ? party(requestUri, request.to.displayName)
        : party(request.to.uri.toString(), request.to.displayName);
    this.offered = offeredKinds(request.body);
    const headers: Record<string, string> = {};
    for (const name of Object.keys(request.headers)) {
      const value = request.getHeader(name);
      if (forwardedHeaders.test(name) && value !== undefined) headers[name] = value;
    }
    this.headers = headers;
    this.cancelled$ = this.#cancelled.asObservable();
    // The leg, once created, keeps calling this delegate's onCancel (see SipCallLeg).
    const delegate = {
      onCancel: () => {
        this.#cancelReceived = true;
      },
    };
    invitation.delegate = delegate;
    const onState = (state: SessionState) => {
      if (state === SessionState.Established) this.#answered = true;
      if (state === SessionState.Terminated && !this.#answered && this.#cancelReceived)
        this.#cancelled.next();
      if (state !== SessionState.Terminated) return;
      this.#cancelled.complete();
      // sip.js keeps the terminated invitation for its transaction timers (Timer H/L: 32 s): it must not keep
      // this call, its leg and the media behind them.
      invitation.stateChange.removeListener(onState);
      if (invitation.delegate === delegate) invitation.delegate = undefined;
    };
    invitation.stateChange.addListener(onState);
  }

  async accept(media: SipMediaEndpoint): Promise<SipLeg> {
    if (this.#leg) return this.#leg;
    if (this.#invitation.state !== SessionState.Initial)
      throw new SipCallError(`cannot accept: the call is ${this.#invitation.state}`);
    const offer = this.#invitation.body;
    if (offer) {
      try {
        await media.setRemoteOffer(offer);
      } catch (error) {
        this.#logger.info({ err: error }, 'the media endpoint refused the offer');
        await this.#invitation.reject({ statusCode: 488 }).catch(() => undefined);
        throw new SipCallError('the media endpoint refused the offer (488 sent)', { cause: error });
      }
    }
    this.#settled = true;
    const leg = new SipCallLeg({
      id: randomUUID(),
      session: this.#invitation,
      local: this.to,
      remote: this.from,
      logger: this.#logger,
      sessionTimerSec: this.#sessionTimerSec,
      minSessionExpiresSec: this.#minSessionExpiresSec,
      media,
    });
    this.#bindings.bind(this.#invitation, {
      endpoint: media,
      appliedOffer: offer,
      onRemoteOffer: (held) => leg.remoteOffer(held),
    });
    this.#leg = leg;
    this.#track(leg, this.via);
    return leg;
  }

  async reject(reason: EndReason, detail?: string): Promise<void> {
    if (this.#settled || this.#invitation.state !== SessionState.Initial) return;
    this.#settled = true;
    const statusCode = statusForReason(reason);
    this.#logger.debug({ reason, detail, statusCode }, 'rejecting an incoming call');
    await this.#invitation.reject({ statusCode: statusCode >= 300 ? statusCode : 480 });
  }
}

function party(uri: string, displayName: string | undefined): Party {
  return displayName ? { uri, displayName } : { uri };
}

function offeredKinds(body: string | undefined): MediaKinds {
  const sdp = body ?? '';
  return { audio: /^m=audio /m.test(sdp), video: /^m=video /m.test(sdp) };
}
