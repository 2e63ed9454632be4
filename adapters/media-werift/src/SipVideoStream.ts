// The video stream of the SIP leg: its own RTP/RTCP socket pair, latching, our continuous outgoing stream, and
// keyframe requests both ways over RTCP (PLI and FIR). Video is forwarded 1:1, never transcoded.

import type { RemoteInfo } from 'node:dgram';
import {
  type CodecDescription,
  sipVideoCodecs,
  type VideoCodecName,
  videoCodecName,
} from '@cubebridge/codecs';
import type { PortAllocator, SocketPair } from './rtp/PortAllocator.ts';
import { SocketPairLease } from './rtp/SocketPairLease.ts';
import { parseRtcp, serializeFir, serializePli } from './rtp/Rtcp.ts';
import { parseRtp, type RtpFrame, serializeRtp } from './rtp/RtpFrame.ts';
import { StreamRewriter } from './rtp/StreamRewriter.ts';
import { type RemoteEndpoint, remoteEndpoint, sameRtpAddress } from './sdp/RemoteEndpoint.ts';
import type { Direction, MediaToWrite, SdpMedia } from './sdp/SipSdp.ts';

export interface NegotiatedVideo {
  readonly codec: VideoCodecName;
  readonly payloadType: number;
}

export interface VideoHandlers {
  video(frame: RtpFrame, nowMs: number): void;
  /** The phone asked us (RTCP PLI or FIR) for a keyframe. */
  keyframeRequested(): void;
}

/** What we advertise: PLI and FIR, no NACK (we keep no retransmission history). */
const FEEDBACK = ['rtcp-fb:* nack pli', 'rtcp-fb:* ccm fir'];

export class SipVideoStream {
  readonly #socketLease: SocketPairLease;
  readonly #handlers: VideoHandlers;
  readonly #relatchAfterMs: number;
  #sockets: SocketPair | undefined;
  #video: NegotiatedVideo | undefined;
  #direction: Direction = 'inactive';
  #remote: RemoteEndpoint | undefined;
  #latched: { address: string; port: number } | undefined;
  #lastLatchedMs = 0;
  #latchedRtcp: { address: string; port: number } | undefined;
  #outbound = new StreamRewriter(90000, 33, undefined, false);
  #remoteSsrc = 0;
  #firSequence = 0;
  #closed = false;

  constructor(ports: PortAllocator, handlers: VideoHandlers, relatchAfterMs: number) {
    this.#socketLease = new SocketPairLease(ports, {
      adopt: (sockets) => {
        this.#sockets = sockets;
      },
      onRtp: this.#onRtp,
      onRtcp: this.#onRtcp,
      closedError: () => new Error('video stream closed during allocation'),
    });
    this.#handlers = handlers;
    this.#relatchAfterMs = relatchAfterMs;
  }

  get video(): NegotiatedVideo | undefined {
    return this.#video;
  }

  async offerSection(codecs: readonly VideoCodecName[], direction: Direction): Promise<MediaToWrite> {
    const sockets = await this.#socketLease.open();
    return {
      kind: 'video',
      port: sockets.port,
      proto: 'RTP/AVP',
      codecs: codecs.map((name) => sipVideoCodecs[name]),
      direction,
      rtcpPort: sockets.port + 1,
      attributes: FEEDBACK,
    };
  }

  /** The codec we would accept from an offered video section, preferring `preferred` (the browser's). */
  choose(
    media: SdpMedia,
    supported: readonly VideoCodecName[],
    preferred: VideoCodecName | undefined,
  ): CodecDescription | undefined {
    if (media.port === 0 || (media.proto !== 'RTP/AVP' && media.proto !== 'RTP/AVPF')) return undefined;
    const usable = media.codecs.filter((codec) => {
      const name = videoCodecName(codec.name);
      return name !== undefined && supported.includes(name);
    });
    return usable.find((codec) => videoCodecName(codec.name) === preferred) ?? usable[0];
  }

  async answerSection(media: SdpMedia, codec: CodecDescription, direction: Direction): Promise<MediaToWrite> {
    const sockets = await this.#socketLease.open();
    return {
      kind: 'video',
      port: sockets.port,
      proto: media.proto,
      codecs: [codec],
      direction,
      rtcpPort: sockets.port + 1,
      attributes: FEEDBACK,
    };
  }

  /** Applies a negotiation result; `undefined` stops video. */
  apply(codec: CodecDescription | undefined, direction: Direction, media: SdpMedia | undefined): void {
    const name = codec ? videoCodecName(codec.name) : undefined;
    this.#video = codec && name ? { codec: name, payloadType: codec.payloadType } : undefined;
    this.#direction = this.#video ? direction : 'inactive';
    const previous = this.#remote;
    this.#remote = this.#video && media ? remoteEndpoint(media) : undefined;
    if (!sameRtpAddress(previous, this.#remote)) {
      this.#latched = undefined;
      this.#latchedRtcp = undefined;
    }
  }

  send(
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void {
    const video = this.#video;
    const sockets = this.#sockets;
    const destination = this.#latched ?? this.#remote;
    if (
      !video ||
      !sockets ||
      !destination ||
      (this.#direction !== 'sendrecv' && this.#direction !== 'sendonly')
    )
      return;
    const position = this.#outbound.rewrite(sourceSsrc, sourceSequence, timestamp, nowMs);
    if (!position) return;
    const packet = serializeRtp({
      payloadType: video.payloadType,
      sequenceNumber: position.sequenceNumber,
      timestamp: position.timestamp,
      ssrc: this.#outbound.ssrc,
      marker,
      payload,
    });
    sockets.rtp.send(packet, destination.port, destination.address);
  }

  /** Asks the phone for a keyframe with both PLI and FIR: phones honour one or the other. */
  requestKeyframe(): void {
    const sockets = this.#sockets;
    const remote = this.#remote;
    if (!sockets || !remote || !this.#video) return;
    const destination = this.#latchedRtcp ?? { address: remote.rtcpAddress, port: remote.rtcpPort };
    this.#firSequence = (this.#firSequence + 1) & 0xff;
    const ours = this.#outbound.ssrc;
    const packet = Buffer.concat([
      serializePli(ours, this.#remoteSsrc),
      serializeFir(ours, this.#remoteSsrc, this.#firSequence),
    ]);
    sockets.rtcp.send(packet, destination.port, destination.address);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sockets = undefined;
    await this.#socketLease.close();
  }

  readonly #onRtp = (message: Buffer, from: RemoteInfo): void => {
    const video = this.#video;
    if (!video || this.#closed) return;
    const frame = parseRtp(message);
    if (!frame || frame.payloadType !== video.payloadType) return;
    const nowMs = performance.now();
    const latched = this.#latched;
    if (!latched || latched.address !== from.address || latched.port !== from.port) {
      if (latched && nowMs - this.#lastLatchedMs < this.#relatchAfterMs) return;
      this.#latched = { address: from.address, port: from.port };
    }
    this.#lastLatchedMs = nowMs;
    if (this.#direction !== 'sendrecv' && this.#direction !== 'recvonly') return;
    this.#remoteSsrc = frame.ssrc;
    this.#handlers.video(frame, nowMs);
  };

  readonly #onRtcp = (message: Buffer, from: RemoteInfo): void => {
    if (this.#closed) return;
    const rtcp = parseRtcp(message);
    if (!rtcp) return;
    this.#latchedRtcp = { address: from.address, port: from.port };
    if (rtcp.keyframeRequested) this.#handlers.keyframeRequested();
  };
}
