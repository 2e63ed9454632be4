// One direction of a session's audio: forward the payload untouched when both legs speak the same codec, otherwise
// decode, re-frame and re-encode. Either way the destination leg rewrites SSRC, sequence and timestamp.

import { type AudioCodecName, sampleRate } from '@cubebridge/codecs';
import { type AudioDecoder, type AudioEncoder, createDecoder, createEncoder } from '@cubebridge/codecs';
import type { RtpFrame } from './rtp/RtpFrame.ts';
import { parseTelephoneEvent, serializeTelephoneEvent } from './dtmf/TelephoneEvent.ts';

/** What a route writes to: a leg's outgoing audio stream. Timestamps are in the destination's RTP clock. */
export interface AudioSink {
  sendAudio(
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void;
  sendTelephoneEvent(
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void;
}

export interface AudioFormat {
  readonly codec: AudioCodecName;
  readonly clockRate: number;
  /** Packetization of what we send in this format. */
  readonly ptimeMs: number;
}

export interface AudioRoute {
  readonly transcoding: boolean;
  audio(frame: RtpFrame, nowMs: number): void;
  /** An RFC 4733 packet from the source, whose clock is `sourceClock`; rescaled to the destination's. */
  telephoneEvent(frame: RtpFrame, sourceClock: number, destinationClock: number, nowMs: number): void;
}

function scaleTimestamp(timestamp: number, from: number, to: number): number {
  return from === to ? timestamp : Math.floor((timestamp * to) / from) >>> 0;
}

function rescaleEvent(payload: Uint8Array, from: number, to: number): Uint8Array {
  if (from === to) return payload;
  const event = parseTelephoneEvent(payload);
  if (!event) return payload;
  return serializeTelephoneEvent({ ...event, duration: Math.round((event.duration * to) / from) });
}

export class ForwardRoute implements AudioRoute {
  readonly transcoding = false;
  readonly #sink: AudioSink;

  constructor(sink: AudioSink) {
    this.#sink = sink;
  }

  audio(frame: RtpFrame, nowMs: number): void {
    this.#sink.sendAudio(
      frame.ssrc,
      frame.sequenceNumber,
      frame.timestamp,
      frame.marker,
      frame.payload,
      nowMs,
    );
  }

  telephoneEvent(frame: RtpFrame, sourceClock: number, destinationClock: number, nowMs: number): void {
    this.#sink.sendTelephoneEvent(
      frame.ssrc,
      frame.sequenceNumber,
      scaleTimestamp(frame.timestamp, sourceClock, destinationClock),
      frame.marker,
      rescaleEvent(frame.payload, sourceClock, destinationClock),
      nowMs,
    );
  }
}

export class TranscodeRoute implements AudioRoute {
  readonly transcoding = true;
  readonly #sink: AudioSink;
  readonly #from: AudioFormat;
  readonly #to: AudioFormat;
  readonly #decoder: AudioDecoder;
  readonly #encoder: AudioEncoder;
  readonly #frameSamples: number;
  readonly #ticksPerSample: number;
  #pending: Int16Array;
  #pendingLength = 0;
  #pendingTimestamp = 0;
  #sourceSsrc = -1;
  /** Our own sequence for the source: one per packet we emit, shared by audio and DTMF so the stream stays monotonic. */
  #sequence = 0;

  constructor(from: AudioFormat, to: AudioFormat, sink: AudioSink) {
    this.#from = from;
    this.#to = to;
    this.#sink = sink;
    // Work at the lower side's rate: Opus converts internally, so a G.711 call never resamples.
    const rate = Math.min(sampleRate(from.codec), sampleRate(to.codec)) as 8000 | 16000 | 48000;
    this.#decoder = createDecoder(from.codec, rate);
    this.#encoder = createEncoder(to.codec, rate);
    this.#frameSamples = (rate * to.ptimeMs) / 1000;
    this.#ticksPerSample = to.clockRate / rate;
    this.#pending = new Int16Array(this.#frameSamples * 8);
  }

  audio(frame: RtpFrame, nowMs: number): void {
    if (frame.ssrc !== this.#sourceSsrc) {
      this.#sourceSsrc = frame.ssrc;
      this.#pendingLength = 0;
    }
    const pcm = this.#decoder.decode(frame.payload);
    if (this.#pendingLength === 0)
      this.#pendingTimestamp = scaleTimestamp(frame.timestamp, this.#from.clockRate, this.#to.clockRate);
    if (this.#pendingLength + pcm.length > this.#pending.length) {
      const grown = new Int16Array((this.#pendingLength + pcm.length) * 2);
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(pcm, this.#pendingLength);
    this.#pendingLength += pcm.length;
    let offset = 0;
    let marker = frame.marker;
    while (this.#pendingLength - offset >= this.#frameSamples) {
      const encoded = this.#encoder.encode(this.#pending.subarray(offset, offset + this.#frameSamples));
      this.#sequence = (this.#sequence + 1) & 0xffff;
      this.#sink.sendAudio(frame.ssrc, this.#sequence, this.#pendingTimestamp, marker, encoded, nowMs);
      marker = false;
      offset += this.#frameSamples;
      this.#pendingTimestamp = (this.#pendingTimestamp + this.#frameSamples * this.#ticksPerSample) >>> 0;
    }
    if (offset > 0) {
      this.#pending.copyWithin(0, offset, this.#pendingLength);
      this.#pendingLength -= offset;
    }
  }

  telephoneEvent(frame: RtpFrame, sourceClock: number, destinationClock: number, nowMs: number): void {
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#sink.sendTelephoneEvent(
      frame.ssrc,
      this.#sequence,
      scaleTimestamp(frame.timestamp, sourceClock, destinationClock),
      frame.marker,
      rescaleEvent(frame.payload, sourceClock, destinationClock),
      nowMs,
    );
  }
}
