// A call from the gateway to one or several app users: `call` to each (re-sent while ringing), the first
// `accept` wins and the others are told `hangUp`; all refusing, the ring timer, or our hang-up end it.
import type { EndReason } from '@cubebridge/core';
import { platformUri } from './addresses.ts';
import { ConnectyCubeLeg, type LegContext } from './ConnectyCubeLeg.ts';
import { InvalidStateError } from './errors.ts';
import { reasonOfReject, refusalUserInfo } from './rejectInfo.ts';
import { candidatesInSdp, withCandidates, withTrickleOption } from './sdp.ts';
import type { CallSignal } from './signals.ts';

export interface OutboundLegOptions {
  readonly callees: readonly number[];
  readonly userInfo: Readonly<Record<string, string>>;
  readonly ringTimeoutMs: number;
  readonly dialingIntervalMs: number;
}

export class OutboundLeg extends ConnectyCubeLeg {
  readonly direction = 'outbound';
  readonly #options: OutboundLegOptions;
  /** Callees still ringing. */
  readonly #ringing: Set<number>;
  readonly #refusals: EndReason[] = [];
  #resendTimer: NodeJS.Timeout | undefined;
  #ringTimer: NodeJS.Timeout | undefined;
  #offer = '';

  constructor(context: LegContext, options: OutboundLegOptions) {
    super(context);
    this.#options = options;
    this.#ringing = new Set(options.callees);
  }

  /**
   * Sends the first `call` to every callee and starts the re-send and ring timers. An offer without candidates
   * waits for gathering (at most `gatheringTimeoutMs`): the callee's SDK takes none of ours before it accepts.
   */
  async start(offer: string, gatheringTimeoutMs: number): Promise<void> {
    this.#offer = offer;
    if (candidatesInSdp(offer).length === 0) await this.waitForGathering(gatheringTimeoutMs);
    if (this.state !== 'ringing') return;
    await this.#sendCalls();
    if (this.state !== 'ringing') return;
    this.emit({ type: 'ringing' });
    this.#resendTimer = setInterval(() => void this.#sendCalls(), this.#options.dialingIntervalMs);
    this.#ringTimer = setTimeout(() => this.#giveUp(), this.#options.ringTimeoutMs);
  }

  /**
   * The offer as it is now: the SDK callee never gets trickled candidates before it accepts, so re-sent
   * `call`s carry every candidate gathered so far, and `a=ice-options:trickle` so that it trickles its own.
   */
  #currentOffer(): string {
    return withTrickleOption(withCandidates(this.#offer, this.gatheredCandidates));
  }

  async #sendCalls(): Promise<void> {
    const sdp = this.#currentOffer();
    await Promise.all(
      [...this.#ringing].map((callee) =>
        this.send(callee, this.signal('call', callee, { sdp, userInfo: this.#options.userInfo })),
      ),
    );
  }

  handleSignal(from: number, signal: CallSignal): void {
    if (!this.#options.callees.includes(from) || this.state === 'ended') return;
    switch (signal.signalType) {
      case 'accept':
        if (this.state === 'ringing' && this.#ringing.has(from)) void this.#answered(from, signal.sdp ?? '');
        else if (from !== this.peer) void this.#stop(from, 'answered-elsewhere');
        break;
      case 'reject':
        this.#refused(from, reasonOfReject(signal.userInfo));
        break;
      case 'hangUp':
        if (this.state === 'active' && from === this.peer) this.end('normal', 'remote', 'hangUp');
        else this.#refused(from, 'declined');
        break;
      case 'iceCandidates':
        if (from === this.peer) this.addRemoteCandidates(signal.iceCandidates ?? []);
        break;
      default:
        break;
    }
  }

  async #answered(from: number, sdp: string): Promise<void> {
    this.state = 'active';
    this.peer = from;
    this.remoteParty = { uri: platformUri(from) };
    this.#ringing.delete(from);
    this.#stopTimers();
    for (const other of this.#ringing) void this.#stop(other, 'answered-elsewhere');
    this.#ringing.clear();
    try {
      await this.media.setRemoteAnswer(sdp);
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'answer from the app could not be applied');
      await this.hangup('media-failed');
      return;
    }
    this.remoteDescriptionSet();
    this.emit({ type: 'answered' });
    // Only now may the SDK caller's counterpart take our candidates: it has our offer and has accepted.
    this.startTrickle();
  }

  #refused(from: number, reason: EndReason): void {
    if (this.state !== 'ringing' || !this.#ringing.delete(from)) return;
    this.#refusals.push(reason);
    if (this.#ringing.size > 0) return;
    this.end(this.#refusals.includes('busy') ? 'busy' : 'declined', 'remote', 'reject');
  }

  #giveUp(): void {
    if (this.state !== 'ringing') return;
    // The SDK's own caller sends nothing here; telling the apps stops their ringing at once.
    for (const callee of this.#ringing) void this.#stop(callee, 'no-answer');
    this.end('no-answer', 'remote', 'answer-timeout');
  }

  #stop(to: number, reason: string): Promise<void> {
    return this.send(to, this.signal('hangUp', to, { userInfo: { reason } }));
  }

  async ring(): Promise<void> {
    throw new InvalidStateError('outbound ConnectyCube leg', this.state, 'ring (inbound legs only)');
  }

  async answer(): Promise<void> {
    throw new InvalidStateError('outbound ConnectyCube leg', this.state, 'answer (inbound legs only)');
  }

  async hangup(reason: EndReason): Promise<void> {
    if (this.state === 'ended') return;
    const targets = this.state === 'active' && this.peer !== undefined ? [this.peer] : [...this.#ringing];
    this.end(reason, 'local', 'hangUp');
    await Promise.all(
      targets.map((to) => this.send(to, this.signal('hangUp', to, { userInfo: refusalUserInfo(reason) }))),
    );
  }

  #stopTimers(): void {
    clearInterval(this.#resendTimer);
    clearTimeout(this.#ringTimer);
  }

  protected onEnd(): void {
    this.#stopTimers();
  }
}
