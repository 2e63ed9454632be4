// A call an app user placed to an identity of the gateway, once the core took it: answered with our SDP
// through `accept`, ended with `reject` (before answer) or `hangUp`.
import type { EndReason } from '@cubebridge/core';
import { ConnectyCubeLeg, type LegContext } from './ConnectyCubeLeg.ts';
import { InvalidStateError } from './errors.ts';
import { refusalUserInfo } from './rejectInfo.ts';
import { candidatesInSdp, withCandidates, withTrickleOption } from './sdp.ts';
import type { CallSignal } from './signals.ts';

export interface InboundLegOptions {
  readonly offer: string;
  /** `Date.now()` after which the caller's SDK has given up ringing (its `answerTimeInterval`). */
  readonly ringDeadline: number;
}

export class InboundLeg extends ConnectyCubeLeg {
  readonly direction = 'inbound';
  readonly #offerCandidates = new Set<string>();
  #ringTimer: NodeJS.Timeout | undefined;
  readonly #ringDeadline: number;
  #offer: string;

  constructor(context: LegContext, options: InboundLegOptions) {
    super(context);
    this.#offer = options.offer;
    this.#ringDeadline = options.ringDeadline;
  }

  /** Gives the endpoint the caller's offer and starts the ring timer. */
  async start(): Promise<void> {
    for (const candidate of candidatesInSdp(this.#offer)) this.#offerCandidates.add(candidate.candidate);
    await this.media.setRemoteOffer(this.#offer);
    this.remoteDescriptionSet();
    this.#ringTimer = setTimeout(
      () => this.end('no-answer', 'remote', 'answer-timeout'),
      Math.max(0, this.#ringDeadline - Date.now()),
    );
  }

  handleSignal(from: number, signal: CallSignal): void {
    if (from !== this.callerID || this.state === 'ended') return;
    switch (signal.signalType) {
      case 'call':
        // A re-sent `call` carries the caller's candidates gathered since; the SDK trickles none before accept.
        if (signal.sdp && this.state === 'ringing') this.#takeNewOfferCandidates(signal.sdp);
        break;
      case 'iceCandidates':
        this.addRemoteCandidates(signal.iceCandidates ?? []);
        break;
      case 'hangUp':
        this.end(this.state === 'active' ? 'normal' : 'cancelled', 'remote', 'hangUp');
        break;
      case 'iceRestart':
        if (signal.sdp && this.state === 'active') void this.#restartIce(signal.sdp);
        break;
      default:
        break;
    }
  }

  #takeNewOfferCandidates(sdp: string): void {
    this.#offer = sdp;
    const fresh = candidatesInSdp(sdp).filter((c) => !this.#offerCandidates.has(c.candidate));
    for (const candidate of fresh) this.#offerCandidates.add(candidate.candidate);
    this.addRemoteCandidates(fresh);
  }

  async #restartIce(offer: string): Promise<void> {
    try {
      await this.media.setRemoteOffer(offer);
      const answer = await this.media.createAnswer();
      await this.send(this.callerID, {
        sessionID: this.platformSessionId,
        sdp: answer,
        signalType: 'iceRestartAccept',
      });
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'ICE restart failed');
    }
  }

  /** ConnectyCube has no ringing signal: the app shows its call as ringing from the start. */
  async ring(): Promise<void> {
    if (this.state !== 'ringing') throw new InvalidStateError('inbound ConnectyCube leg', this.state, 'ring');
  }

  async answer(): Promise<void> {
    if (this.state !== 'ringing')
      throw new InvalidStateError('inbound ConnectyCube leg', this.state, 'answer');
    const answer = await this.media.createAnswer();
    if (this.state !== 'ringing') return;
    this.state = 'active';
    this.peer = this.callerID;
    clearTimeout(this.#ringTimer);
    // The answer carries every candidate we have, and `accept` goes out before any `iceCandidates`: the SDK
    // drops candidates that reach a session it has not seen accepted.
    const sdp = withTrickleOption(withCandidates(answer, this.gatheredCandidates));
    await this.send(this.callerID, this.signal('accept', this.callerID, { sdp, userInfo: {} }));
    this.emit({ type: 'answered' });
    this.startTrickle();
  }

  async hangup(reason: EndReason): Promise<void> {
    if (this.state === 'ended') return;
    const answered = this.state === 'active';
    const signalType = answered ? 'hangUp' : 'reject';
    this.end(reason, 'local', signalType);
    await this.send(
      this.callerID,
      this.signal(signalType, this.callerID, { userInfo: refusalUserInfo(reason) }),
    );
  }

  protected onEnd(): void {
    clearTimeout(this.#ringTimer);
  }
}
