// A minimal SIP-side media endpoint for tests: plain RTP over UDP on 127.0.0.1 that offers or answers SDP, sends a
// sine tone in PCMU, PCMA or G.722 every 20 ms, decodes what it receives, and speaks RFC 4733 DTMF.
// Its stream can be disturbed on purpose (sequence jump, new SSRC, hold) to test the relay's continuity.

import { createSocket, type Socket } from 'node:dgram';
import {
  createDecoder,
  createEncoder,
  decodeG711,
  encodeG711,
  G722Decoder,
  G722Encoder,
} from '@cubebridge/codecs';
import { toneShare } from '../sip/audio.ts';

export type PeerCodec = 'PCMU' | 'PCMA' | 'G722' | 'opus';

const PAYLOAD_TYPES: Record<PeerCodec, number> = { PCMU: 0, PCMA: 8, G722: 9, opus: 111 };
/** Samples per 20 ms frame and the RTP clock, per codec (G.722: 16 kHz audio under an 8 kHz clock). */
const FRAME: Record<PeerCodec, { samples: number; rate: number; ticks: number; rtpmap: string }> = {
  PCMU: { samples: 160, rate: 8000, ticks: 160, rtpmap: 'PCMU/8000' },
  PCMA: { samples: 160, rate: 8000, ticks: 160, rtpmap: 'PCMA/8000' },
  G722: { samples: 320, rate: 16000, ticks: 160, rtpmap: 'G722/8000' },
  opus: { samples: 960, rate: 48000, ticks: 960, rtpmap: 'opus/48000/2' },
};
const TELEPHONE_EVENT_PT = 101;

export interface ReceivedDtmf {
  readonly event: number;
  readonly duration: number;
  readonly endPackets: number;
  readonly payloadType: number;
}

export class RtpPeer {
  readonly codec: PeerCodec;
  readonly toneHz: number;
  readonly listenHz: number;
  readonly #socket: Socket;
  #port = 0;
  #remote: { address: string; port: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sequence = 1000;
  #timestamp = 5000;
  #ssrc = 0x11223344;
  #phase = 0;
  #sending = false;
  #encoder = new G722Encoder();
  #decoder = new G722Decoder();
  #opusEncoder = createEncoder('opus', 48000);
  #opusDecoder = createDecoder('opus', 48000);
  #version = 1;
  /** Tone ratio of every 20 ms frame received, with its arrival time. */
  readonly frames: { at: number; ratio: number; payloadType: number }[] = [];
  readonly dtmf = new Map<number, ReceivedDtmf>();
  readonly payloadTypes = new Set<number>();

  /** Sends a `toneHz` sine and measures how much of what it receives is at `listenHz`. */
  constructor(codec: PeerCodec, toneHz: number, listenHz: number) {
    this.codec = codec;
    this.toneHz = toneHz;
    this.listenHz = listenHz;
    this.#socket = createSocket('udp4');
    this.#socket.on('message', (message, from) => this.#receive(message, from));
  }

  async bind(): Promise<this> {
    await new Promise<void>((resolve) => this.#socket.bind(0, '127.0.0.1', resolve));
    this.#port = this.#socket.address().port;
    return this;
  }

  get port(): number {
    return this.#port;
  }

  offer(direction = 'sendrecv'): string {
    const pt = PAYLOAD_TYPES[this.codec];
    return [
      'v=0',
      `o=peer 1 ${this.#version++} IN IP4 127.0.0.1`,
      's=peer',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.#port} RTP/AVP ${pt} ${TELEPHONE_EVENT_PT}`,
      `a=rtpmap:${pt} ${FRAME[this.codec].rtpmap}`,
      `a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`,
      'a=fmtp:101 0-16',
      'a=ptime:20',
      `a=${direction}`,
      '',
    ].join('\r\n');
  }

  /** Answers the relay's offer with our single codec; returns the SDP answer. */
  answer(offer: string): string {
    this.setRemote(offer);
    return this.offer();
  }

  /** Takes the relay's SDP (offer or answer) and sends RTP to the address it names. */
  setRemote(sdp: string): void {
    const address = /c=IN IP4 (\S+)/.exec(sdp)?.[1];
    const port = Number(/m=audio (\d+)/.exec(sdp)?.[1]);
    if (!address || !port) throw new Error(`no audio in SDP:\n${sdp}`);
    this.#remote = { address, port };
  }

  start(): void {
    this.#sending = true;
    this.#timer ??= setInterval(() => this.#tick(), 20);
  }

  /** Stops sending (on hold); the clock keeps running, as a real phone's does. */
  pause(): void {
    this.#sending = false;
  }

  resume(): void {
    this.#sending = true;
  }

  jumpSequence(to: number): void {
    this.#sequence = to;
  }

  changeSsrc(ssrc: number): void {
    this.#ssrc = ssrc;
    this.#timestamp = (this.#timestamp + 0x12345678) >>> 0;
  }

  get sequence(): number {
    return this.#sequence;
  }

  /** Frames received since `since` whose tone ratio exceeds `threshold`. */
  toneFrames(since: number, threshold = 0.5): number {
    return this.frames.filter((frame) => frame.at >= since && frame.ratio > threshold).length;
  }

  /** Sends one digit as RFC 4733: start, updates every 20 ms, then the end packet three times. */
  async sendDigit(event: number, durationTicks = 800): Promise<void> {
    const timestamp = this.#timestamp;
    for (let duration = 160; ; duration += 160) {
      const end = duration >= durationTicks;
      const repeats = end ? 3 : 1;
      for (let i = 0; i < repeats; i++) {
        const payload = Buffer.from([event, (end ? 0x80 : 0) | 10, (duration >> 8) & 0xff, duration & 0xff]);
        this.#send(TELEPHONE_EVENT_PT, duration === 160, timestamp, payload);
      }
      if (end) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  #closed = false;

  /** Sends `count` audio packets at once, as a network burst would deliver them. */
  burst(count: number): void {
    for (let i = 0; i < count; i++) this.#tick(true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #tick(force = false): void {
    const { samples, rate, ticks } = FRAME[this.codec];
    const pcm = new Int16Array(samples);
    for (let i = 0; i < samples; i++) {
      pcm[i] = Math.round(Math.sin(this.#phase) * 8000);
      this.#phase += (2 * Math.PI * this.toneHz) / rate;
    }
    this.#phase %= 2 * Math.PI;
    const timestamp = this.#timestamp;
    this.#timestamp = (this.#timestamp + ticks) >>> 0;
    if (!this.#sending && !force) return;
    const payload =
      this.codec === 'G722'
        ? this.#encoder.encode(pcm)
        : this.codec === 'opus'
          ? this.#opusEncoder.encode(pcm)
          : encodeG711(this.codec, pcm);
    this.#send(PAYLOAD_TYPES[this.codec], false, timestamp, payload);
  }

  #send(payloadType: number, marker: boolean, timestamp: number, payload: Uint8Array): void {
    if (!this.#remote) return;
    const packet = Buffer.alloc(12 + payload.length);
    packet[0] = 0x80;
    packet[1] = (marker ? 0x80 : 0) | payloadType;
    packet.writeUInt16BE(this.#sequence, 2);
    this.#sequence = (this.#sequence + 1) & 0xffff;
    packet.writeUInt32BE(timestamp, 4);
    packet.writeUInt32BE(this.#ssrc, 8);
    packet.set(payload, 12);
    this.#socket.send(packet, this.#remote.port, this.#remote.address);
  }

  #receive(message: Buffer, _from: { address: string; port: number }): void {
    if (message.length < 12 || (message[0] as number) >> 6 !== 2) return;
    const payloadType = (message[1] as number) & 0x7f;
    if (payloadType >= 72 && payloadType <= 76) return;
    this.payloadTypes.add(payloadType);
    const payload = message.subarray(12);
    if (payloadType === TELEPHONE_EVENT_PT) {
      const timestamp = message.readUInt32BE(4);
      const previous = this.dtmf.get(timestamp);
      const end = ((payload[1] as number) & 0x80) !== 0;
      this.dtmf.set(timestamp, {
        event: payload[0] as number,
        duration: ((payload[2] as number) << 8) | (payload[3] as number),
        endPackets: (previous?.endPackets ?? 0) + (end ? 1 : 0),
        payloadType,
      });
      return;
    }
    if (payloadType !== PAYLOAD_TYPES[this.codec]) return;
    const pcm =
      this.codec === 'G722'
        ? this.#decoder.decode(payload)
        : this.codec === 'opus'
          ? this.#opusDecoder.decode(payload)
          : decodeG711(this.codec, payload);
    this.frames.push({
      at: performance.now(),
      ratio: toneShare(pcm, this.listenHz, FRAME[this.codec].rate),
      payloadType,
    });
  }
}
