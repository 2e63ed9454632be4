// Receiver-side statistics of one RTP stream (RFC 3550 §6.4.1 and Appendix A.3/A.8): counts, loss, interarrival jitter.

export class ReceiveStatistics {
  packets = 0;
  bytes = 0;
  #clockRate: number;
  #ssrc = -1;
  #baseSequence = 0;
  #maxSequence = 0;
  #cycles = 0;
  #received = 0;
  #transit = 0;
  #jitterTicks = 0;
  /** State at the last RTCP report, for the interval's fraction lost. */
  #expectedPrior = 0;
  #receivedPrior = 0;
  lastSenderReport: { ntpMiddle: number; receivedAtMs: number } | undefined;

  constructor(clockRate: number) {
    this.#clockRate = clockRate;
  }

  get ssrc(): number {
    return this.#ssrc;
  }

  setClockRate(clockRate: number): void {
    if (clockRate !== this.#clockRate) {
      this.#clockRate = clockRate;
      this.#jitterTicks = 0;
      this.#transit = 0;
    }
  }

  /** Counts one packet; `arrivalMs` is a monotonic clock. */
  record(ssrc: number, sequence: number, timestamp: number, size: number, arrivalMs: number): void {
    this.packets++;
    this.bytes += size;
    if (ssrc !== this.#ssrc) {
      // A new source restarts loss and jitter accounting (RFC 3550 A.1: probation is skipped, phones are trusted).
      this.#ssrc = ssrc;
      this.#baseSequence = sequence;
      this.#maxSequence = sequence;
      this.#cycles = 0;
      this.#received = 1;
      this.#expectedPrior = 0;
      this.#receivedPrior = 0;
      this.#transit = 0;
      return;
    }
    this.#received++;
    const delta = (sequence - this.#maxSequence) & 0xffff;
    if (delta > 0 && delta < 0x8000) {
      if (sequence < this.#maxSequence) this.#cycles += 0x10000;
      this.#maxSequence = sequence;
    }
    const arrivalTicks = (arrivalMs * this.#clockRate) / 1000;
    const transit = arrivalTicks - timestamp;
    if (this.#transit !== 0) {
      let d = transit - this.#transit;
      // Timestamps wrap at 2^32: fold the difference back into range.
      if (d > 0x80000000) d -= 0x100000000;
      else if (d < -0x80000000) d += 0x100000000;
      this.#jitterTicks += (Math.abs(d) - this.#jitterTicks) / 16;
    }
    this.#transit = transit;
  }

  get extendedHighestSequence(): number {
    return this.#cycles + this.#maxSequence;
  }

  get expected(): number {
    return this.#ssrc < 0 ? 0 : this.extendedHighestSequence - this.#baseSequence + 1;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.#received);
  }

  get lossFraction(): number {
    const expected = this.expected;
    return expected > 0 ? this.lost / expected : 0;
  }

  get jitterTicks(): number {
    return this.#jitterTicks;
  }

  get jitterMs(): number {
    return (this.#jitterTicks * 1000) / this.#clockRate;
  }

  /** Fraction lost since the previous call, as the 8-bit value of an RTCP report block. */
  takeIntervalFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    return expectedInterval <= 0 || lostInterval <= 0
      ? 0
      : Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
  }
}
