// The sip.js SessionDescriptionHandler backed by the media relay's SIP endpoint: sip.js asks for and
// hands over SDP, the endpoint does the media. No browser WebRTC is involved.
import type { SipMediaEndpoint } from '@cubebridge/core';
import type {
  Session,
  SessionDescriptionHandler,
  SessionDescriptionHandlerFactory,
  SessionDescriptionHandlerOptions,
} from 'sip.js';

export interface MediaBinding {
  readonly endpoint: SipMediaEndpoint;
  /** The INVITE's offer, already given to the endpoint when the call was accepted. */
  readonly appliedOffer?: string | undefined;
  /** A remote offer arrived (INVITE, re-INVITE, UPDATE): `held` is true when it puts us on hold. */
  onRemoteOffer(held: boolean): void;
  /** The answer to our offer is applied to the endpoint (from a 183 with early media, a 200, or a re-INVITE's 200). */
  onRemoteAnswer?(sdp: string): void;
}

export interface MediaDescriptionOptions extends SessionDescriptionHandlerOptions {
  /** Make a hold offer (`sendonly`). */
  readonly hold?: boolean;
}

export class MediaEndpointSdh implements SessionDescriptionHandler {
  /** Dropped on close: sip.js keeps a terminated session (and its handler) for its transaction's timers. */
  #binding: MediaBinding | undefined;
  /** Our offer is out; the next remote description is its answer. */
  #awaitingAnswer = false;
  /** A remote offer is in; the next local description is our answer. */
  #haveRemoteOffer = false;
  #closed = false;
  #appliedOffer: string | undefined;
  /** How our last offer was made, to make the same one again (see replaceRemoteAnswer). */
  #lastOfferOptions: { hold?: boolean } = {};

  constructor(binding: MediaBinding) {
    this.#binding = binding;
    this.#appliedOffer = binding.appliedOffer;
  }

  async getDescription(options?: MediaDescriptionOptions): Promise<{ body: string; contentType: string }> {
    const binding = this.#open();
    if (this.#haveRemoteOffer) {
      this.#haveRemoteOffer = false;
      return { body: toCrlf(await binding.endpoint.createAnswer()), contentType: 'application/sdp' };
    }
    this.#lastOfferOptions = options?.hold ? { hold: true } : {};
    const offer = await binding.endpoint.createOffer(this.#lastOfferOptions);
    this.#awaitingAnswer = true;
    return { body: toCrlf(offer), contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType.toLowerCase().startsWith('application/sdp');
  }

  async setDescription(sdp: string): Promise<void> {
    const binding = this.#open();
    if (this.#awaitingAnswer) {
      this.#awaitingAnswer = false;
      await binding.endpoint.setRemoteAnswer(sdp);
      binding.onRemoteAnswer?.(sdp);
      return;
    }
    if (sdp === this.#appliedOffer) this.#appliedOffer = undefined;
    else await binding.endpoint.setRemoteOffer(sdp);
    this.#haveRemoteOffer = true;
    binding.onRemoteOffer(offerHolds(sdp));
  }

  /**
   * A forked INVITE answered by another branch than the one whose early answer was applied (see
   * forkedEarlyMedia.ts): that branch's SDP answers the same offer. The endpoint takes an answer only after an
   * offer, so it makes the offer again (same sockets and codecs, not sent anywhere) and takes the new answer.
   */
  async replaceRemoteAnswer(sdp: string): Promise<void> {
    const binding = this.#open();
    await binding.endpoint.createOffer(this.#lastOfferOptions);
    await binding.endpoint.setRemoteAnswer(sdp);
    binding.onRemoteAnswer?.(sdp);
  }

  /** Glare (491) or a failed offer: forget the half-done exchange; the endpoint keeps its last agreed state. */
  async rollbackDescription(): Promise<void> {
    this.#awaitingAnswer = false;
    this.#haveRemoteOffer = false;
  }

  sendDtmf(): boolean {
    // DTMF goes out as SIP INFO from the leg (RFC 4733 belongs to the media session).
    return false;
  }

  close(): void {
    this.#closed = true;
    this.#binding = undefined;
  }

  #open(): MediaBinding {
    if (this.#closed || !this.#binding) throw new Error('session description handler is closed');
    return this.#binding;
  }
}

/** True when an offer asks us to stop sending: sendonly/inactive (RFC 3264 §8.4) or c=0.0.0.0 (RFC 2543). */
export function offerHolds(sdp: string): boolean {
  const audio = sdp.split(/\r?\n(?=m=)/).find((section) => section.startsWith('m=audio')) ?? '';
  const session = sdp.split(/\r?\n(?=m=)/)[0] ?? '';
  const direction = (section: string) => /^a=(sendonly|recvonly|inactive|sendrecv)\s*$/m.exec(section)?.[1];
  const effective = direction(audio) ?? direction(session) ?? 'sendrecv';
  const zeroAddress =
    /^c=IN IP4 0\.0\.0\.0\s*$/m.test(audio) ||
    (!/^c=/m.test(audio) && /^c=IN IP4 0\.0\.0\.0\s*$/m.test(session));
  return effective === 'sendonly' || effective === 'inactive' || zeroAddress;
}

function toCrlf(sdp: string): string {
  const crlf = sdp.replace(/\r?\n/g, '\r\n');
  return crlf.endsWith('\r\n') ? crlf : `${crlf}\r\n`;
}

/** Sessions get their binding before sip.js asks for a handler (lazily, once per session). */
export class MediaBindings {
  readonly #bindings = new WeakMap<Session, MediaBinding>();

  bind(session: Session, binding: MediaBinding): void {
    this.#bindings.set(session, binding);
  }

  /** The call is over: a session sip.js still keeps (a transaction's timers) must not keep its endpoint. */
  unbind(session: Session): void {
    this.#bindings.delete(session);
  }

  readonly factory: SessionDescriptionHandlerFactory = (session: Session) => {
    const binding = this.#bindings.get(session);
    if (!binding) throw new Error('no media endpoint bound to this session');
    // sip.js asks once per session and keeps the handler; the entry would only pin the endpoint to a session
    // that sip.js keeps for its transaction timers after the call.
    this.#bindings.delete(session);
    return new MediaEndpointSdh(binding);
  };
}
