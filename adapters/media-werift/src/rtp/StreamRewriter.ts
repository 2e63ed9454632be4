// Keeps one outgoing RTP stream continuous whatever its source does: new SSRC, sequence jumps and wraps, hold gaps,
// a new source after a transfer. Receivers (Chrome's NetEq, phones' jitter buffers) see one SSRC with sane deltas.

import { randomUint32 } from './RtpFrame.ts';

/** Sequence steps above this are a discontinuity (a new source), not loss. */
const MAX_FORWARD_GAP = 1000;
/** Packets this far behind the newest are late reorders, rewritten with the same offset. */
const MAX_REORDER = 100;
/** A timestamp step of more than this many seconds is a jump in the source's clock, not silence suppression. */
const MAX_TIMESTAMP_JUMP_SECONDS = 10;
/** Source id of packets we generate: outside the 32-bit SSRC space, so no real source matches it. */
const LOCAL_SOURCE = -1;

export interface RewrittenPosition {
  sequenceNumber: number;
  timestamp: number;
  /** True on the first packet after a discontinuity: for audio, the start of a talkspurt (RFC 3551 §4.1). */
  marker: boolean;
}

export class StreamRewriter {
  readonly ssrc: number;
  readonly #clockRate: number;
  readonly #frameTicks: number;
  readonly #markResync: boolean;
  #started = false;
  #sourceSsrc = 0;
  #sourceSequence = 0;
  #sourceTimestamp = 0;
  #sequence: number;
  #timestamp: number;
  #wallClockMs = 0;
  /** Reused result object: the forwarding path allocates nothing per packet. */
  readonly #position: RewrittenPosition = { sequenceNumber: 0, timestamp: 0, marker: false };

  /**
   * @param markResync set the marker bit on the first packet after a discontinuity: right for audio (start of a
   *   talkspurt), wrong for video, where the marker ends a frame and must stay the source's.
   */
  constructor(clockRate: number, frameMs = 20, ssrc = randomUint32(), markResync = true) {
    this.ssrc = ssrc;
    this.#markResync = markResync;
    this.#clockRate = clockRate;
    this.#frameTicks = Math.round((clockRate * frameMs) / 1000);
    this.#sequence = (Math.random() * 0x8000) | 0;
    this.#timestamp = randomUint32();
  }

  /**
   * The outgoing stream after a renegotiation: the same rewriter while the clock rate holds, else a new one with the
   * same SSRC, so the receiver sees one stream across a codec change.
   */
  static continuing(
    previous: StreamRewriter | undefined,
    clockRate: number,
    frameMs: number,
  ): StreamRewriter {
    return previous && previous.clockRate === clockRate
      ? previous
      : new StreamRewriter(clockRate, frameMs, previous?.ssrc);
  }

  get clockRate(): number {
    return this.#clockRate;
  }

  /**
   * Maps a source packet to the output stream; undefined for a duplicate.
   * The returned object is reused by the next call: read it before rewriting another packet.
   */
  rewrite(
    sourceSsrc: number,
    sourceSequence: number,
    sourceTimestamp: number,
    nowMs: number,
  ): RewrittenPosition | undefined {
    const position = this.#position;
    if (!this.#started || sourceSsrc !== this.#sourceSsrc)
      return this.#resync(sourceSsrc, sourceSequence, sourceTimestamp, nowMs);
    const sequenceStep = (sourceSequence - this.#sourceSequence) & 0xffff;
    const timestampStep = (sourceTimestamp - this.#sourceTimestamp) | 0;
    if (sequenceStep === 0) return undefined;
    if (sequenceStep > 0x10000 - MAX_REORDER) {
      // A late packet: place it where it belongs without moving the stream's head.
      position.sequenceNumber = (this.#sequence - (0x10000 - sequenceStep)) & 0xffff;
      position.timestamp = (this.#timestamp + timestampStep) >>> 0;
      position.marker = false;
      return position;
    }
    if (sequenceStep > MAX_FORWARD_GAP)
      return this.#resync(sourceSsrc, sourceSequence, sourceTimestamp, nowMs);
    const timestamp =
      Math.abs(timestampStep) > this.#clockRate * MAX_TIMESTAMP_JUMP_SECONDS
        ? this.#timestamp + this.#elapsedTicks(nowMs)
        : this.#timestamp + timestampStep;
    return this.#advance(
      sourceSsrc,
      sourceSequence,
      sourceTimestamp,
      (this.#sequence + sequenceStep) & 0xffff,
      timestamp,
      false,
      nowMs,
    );
  }

  /** Sequence number for a packet we generate ourselves (DTMF) in this stream. */
  nextLocalSequence(): number {
    this.#sequence = (this.#sequence + 1) & 0xffff;
    return this.#sequence;
  }

  /**
   * Timestamp for an event we generate ourselves (a DTMF digit): the stream's last timestamp plus the wall-clock time
   * since. The stream's head moves there, so two digits never share a timestamp and the next source packet resyncs.
   */
  beginLocalEvent(nowMs: number): number {
    const timestamp = (this.#timestamp + this.#elapsedTicks(nowMs)) >>> 0;
    this.#started = true;
    this.#sourceSsrc = LOCAL_SOURCE;
    this.#timestamp = timestamp;
    this.#wallClockMs = nowMs;
    return timestamp;
  }

  #elapsedTicks(nowMs: number): number {
    if (!this.#started) return 0;
    const ticks = Math.round(((nowMs - this.#wallClockMs) * this.#clockRate) / 1000);
    return Math.max(ticks, this.#frameTicks);
  }

  #resync(
    sourceSsrc: number,
    sourceSequence: number,
    sourceTimestamp: number,
    nowMs: number,
  ): RewrittenPosition {
    const timestamp = this.#timestamp + this.#elapsedTicks(nowMs);
    return this.#advance(
      sourceSsrc,
      sourceSequence,
      sourceTimestamp,
      (this.#sequence + 1) & 0xffff,
      timestamp,
      this.#markResync,
      nowMs,
    );
  }

  #advance(
    sourceSsrc: number,
    sourceSequence: number,
    sourceTimestamp: number,
    sequence: number,
    timestamp: number,
    marker: boolean,
    nowMs: number,
  ): RewrittenPosition {
    this.#started = true;
    this.#sourceSsrc = sourceSsrc;
    this.#sourceSequence = sourceSequence;
    this.#sourceTimestamp = sourceTimestamp;
    this.#sequence = sequence;
    this.#timestamp = timestamp >>> 0;
    this.#wallClockMs = nowMs;
    const position = this.#position;
    position.sequenceNumber = sequence;
    position.timestamp = this.#timestamp;
    position.marker = marker;
    return position;
  }
}
