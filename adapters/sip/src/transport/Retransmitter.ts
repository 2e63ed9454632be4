// RFC 3261 §17 retransmission for datagram transports, which sip.js's core leaves out: Timer A/E for
// requests we send and Timer G for non-2xx final responses to INVITE. (2xx retransmission until ACK is
// done by sip.js's dialog layer.)
import { parseCSeq, type SipWireMessage, topVia } from './SipWireMessage.ts';

export interface RetransmitTimers {
  readonly t1Ms: number;
  readonly t2Ms: number;
}

interface Pending {
  timer: NodeJS.Timeout;
  interval: number;
  readonly deadline: number;
  readonly resend: () => void;
  readonly isInvite: boolean;
  /** A request's: called if its time runs out without any response, not even a provisional one. */
  readonly onUnanswered: (() => void) | undefined;
  answered: boolean;
  /** The next firing is at the deadline: it ends the retransmissions. */
  last: boolean;
}

export class Retransmitter {
  readonly #timers: RetransmitTimers;
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  constructor(timers: RetransmitTimers) {
    this.#timers = timers;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Called for each message we send; starts a timer when the message needs one. `onUnanswered` is called when
   * a request's retransmissions end (Timer B/F) without any response.
   */
  sent(message: SipWireMessage, resend: () => void, onUnanswered?: () => void): void {
    if (this.#closed) return;
    const branch = topVia(message)?.params.get('branch');
    const cseq = parseCSeq(message);
    if (!branch || !cseq) return;
    if (message.method !== undefined) {
      if (message.method === 'ACK') return;
      this.#start(`request|${branch}|${cseq.method}`, resend, cseq.method === 'INVITE', onUnanswered);
    } else if (cseq.method === 'INVITE' && (message.status ?? 0) >= 300) {
      this.#start(`response|${branch}`, resend, true, undefined);
    }
  }

  /** Called for each message we receive; stops or slows the timers it answers. */
  received(message: SipWireMessage): void {
    const branch = topVia(message)?.params.get('branch');
    const cseq = parseCSeq(message);
    if (!branch || !cseq) return;
    if (message.status !== undefined) {
      const key = `request|${branch}|${cseq.method}`;
      const pending = this.#pending.get(key);
      if (!pending) return;
      // Timer A stops on any response; Timer E continues at T2 after a provisional one (§17.1.2.2).
      if (pending.isInvite || message.status >= 200) this.#stop(key);
      else {
        pending.interval = this.#timers.t2Ms;
        pending.answered = true;
      }
    } else if (message.method === 'ACK') {
      this.#stop(`response|${branch}`);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const key of [...this.#pending.keys()]) this.#stop(key);
  }

  #start(key: string, resend: () => void, isInvite: boolean, onUnanswered: (() => void) | undefined): void {
    if (this.#pending.has(key)) return; // sip.js itself re-sent it (e.g. a server transaction replay)
    const pending: Pending = {
      timer: setTimeout(() => this.#fire(key), this.#timers.t1Ms),
      interval: this.#timers.t1Ms,
      deadline: Date.now() + 64 * this.#timers.t1Ms,
      resend,
      isInvite,
      onUnanswered,
      answered: false,
      last: false,
    };
    this.#pending.set(key, pending);
  }

  #fire(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    if (pending.last || Date.now() >= pending.deadline) {
      // Timers B/F/H: sip.js's transaction layer times out and reports it.
      this.#stop(key);
      if (!pending.answered) pending.onUnanswered?.();
      return;
    }
    pending.resend();
    pending.interval =
      pending.isInvite && key.startsWith('request')
        ? pending.interval * 2
        : Math.min(pending.interval * 2, this.#timers.t2Ms);
    // The last wait ends at the deadline itself, so an unanswered request is known when sip.js gives up on it.
    const untilDeadline = pending.deadline - Date.now();
    pending.last = untilDeadline <= pending.interval;
    pending.timer = setTimeout(() => this.#fire(key), Math.max(0, Math.min(pending.interval, untilDeadline)));
  }

  #stop(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(key);
  }
}
