// The SIP side of a session: RTP/AVP (or SDES-SRTP) over UDP, SDP offer/answer in both roles with RFC 3264
// directions and hold, symmetric latching, and our own RTCP.

import type { RemoteInfo } from 'node:dgram';
import type { LegStats, MediaKinds, OfferOptions, SipMediaEndpoint } from '@cubebridge/core';
import { type Observable, Subject } from 'rxjs';
import {
  type AudioCodecName,
  type VideoCodecName,
  audioCodecName,
  type CodecDescription,
  rtpClockRate,
  sipAudioCodecs,
  TELEPHONE_EVENT,
} from '@cubebridge/codecs';
import { preferFirst } from './codecs/preferFirst.ts';
import { MediaClosedError, NegotiationStateError, UnsupportedMediaError } from './errors.ts';
import type { LegHandlers, NegotiatedAudio } from './LegHandlers.ts';
import type { PortAllocator, SocketPair } from './rtp/PortAllocator.ts';
import { SocketPairLease } from './rtp/SocketPairLease.ts';
import { ntpMiddle, ntpNow, parseRtcp, serializeReport } from './rtp/Rtcp.ts';
import { parseRtp, type RtpFrame, serializeRtp } from './rtp/RtpFrame.ts';
import { StreamRewriter } from './rtp/StreamRewriter.ts';
import { type RemoteEndpoint, remoteEndpoint, sameRtpAddress } from './sdp/RemoteEndpoint.ts';
import {
  type Direction,
  type MediaToWrite,
  parseSdp,
  type SdpMedia,
  type SessionDescription,
  writeSdp,
} from './sdp/SipSdp.ts';
import { type SdesContext, SdesNegotiator, type SrtpMode } from './srtp/SdesNegotiator.ts';
import { SipVideoStream } from './SipVideoStream.ts';
import { legStatsOf } from './stats/legStatsOf.ts';
import { ReceiveStatistics } from './stats/ReceiveStatistics.ts';

export interface SipLegOptions {
  readonly bindAddress: string;
  readonly advertisedAddress: string;
  readonly ports: PortAllocator;
  /** Preference order when we offer and when nothing steers the choice. */
  readonly audioCodecs: readonly AudioCodecName[];
  /** Video codecs we forward, in preference order; empty disables video on this leg. */
  readonly videoCodecs: readonly VideoCodecName[];
  readonly ptimeMs: number;
  readonly rtcpIntervalMs: number;
  readonly srtp: SrtpMode;
  /** After this long without packets from the latched address, a new source may take over. */
  readonly relatchAfterMs: number;
}

type SignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer';

const TELEPHONE_EVENT_8K: CodecDescription = {
  name: TELEPHONE_EVENT,
  payloadType: 101,
  clockRate: 8000,
  channels: 1,
  fmtp: '0-16',
};
const TELEPHONE_EVENT_48K: CodecDescription = {
  name: TELEPHONE_EVENT,
  payloadType: 110,
  clockRate: 48000,
  channels: 1,
  fmtp: '0-16',
};

/** The offered telephone-event at the audio codec's clock rate (RFC 4733: events run on the audio stream's clock). */
function telephoneEventAt(media: SdpMedia, clockRate: number): CodecDescription | undefined {
  return media.codecs.find((c) => c.name.toLowerCase() === TELEPHONE_EVENT && c.clockRate === clockRate);
}

function reverse(direction: Direction): Direction {
  return direction === 'sendonly' ? 'recvonly' : direction === 'recvonly' ? 'sendonly' : direction;
}

/** The direction both sides allow: what we want, limited by what the peer's SDP permits. */
function intersect(local: Direction, permitted: Direction): Direction {
  const send =
    local !== 'recvonly' && local !== 'inactive' && (permitted === 'sendrecv' || permitted === 'sendonly');
  const receive =
    local !== 'sendonly' && local !== 'inactive' && (permitted === 'sendrecv' || permitted === 'recvonly');
  return send && receive ? 'sendrecv' : send ? 'sendonly' : receive ? 'recvonly' : 'inactive';
}

export class SipLeg implements SipMediaEndpoint {
  readonly kind = 'sip' as const;
  readonly #options: SipLegOptions;
  readonly #handlers: LegHandlers;
  readonly #keyframeRequests = new Subject<void>();
  readonly #sessionId = String(Math.floor(Math.random() * 1e12));
  readonly #cname = `cubebridge-${Math.floor(Math.random() * 1e9).toString(36)}`;
  readonly #sdes: SdesNegotiator;
  readonly #videoStream: SipVideoStream;
  readonly #socketLease: SocketPairLease;
  #sessionVersion = 0;
  #state: SignalingState = 'stable';
  #sockets: SocketPair | undefined;
  #remoteOffer: SessionDescription | undefined;
  #localOffer:
    | { direction: Direction; codecs: CodecDescription[]; proto: string; video: boolean }
    | undefined;
  #audio: NegotiatedAudio | undefined;
  #direction: Direction = 'inactive';
  #remoteDirection: Direction = 'sendrecv';
  #remote: RemoteEndpoint | undefined;
  #srtp: SdesContext | undefined;
  #latched: { address: string; port: number } | undefined;
  #latchedRtcp: { address: string; port: number } | undefined;
  #lastLatchedPacketMs = 0;
  #outbound: StreamRewriter | undefined;
  #receive = new ReceiveStatistics(8000);
  #packetsSent = 0;
  #bytesSent = 0;
  #lastSentTimestamp = 0;
  #rttMs: number | undefined;
  #rtcpTimer: NodeJS.Timeout | undefined;
  #invalidPackets = 0;
  #closed = false;

  constructor(options: SipLegOptions, handlers: LegHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#sdes = new SdesNegotiator(options.srtp);
    this.#videoStream = new SipVideoStream(options.ports, handlers, options.relatchAfterMs);
    this.#socketLease = new SocketPairLease(options.ports, {
      adopt: (sockets) => {
        this.#sockets = sockets;
      },
      onRtp: this.#onRtp,
      onRtcp: this.#onRtcp,
      closedError: () => new MediaClosedError('sip leg'),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get keyframeRequests$(): Observable<void> {
    return this.#keyframeRequests.asObservable();
  }

  get negotiated(): MediaKinds | undefined {
    return this.#audio || this.#videoStream.video
      ? { audio: this.#audio !== undefined, video: this.#videoStream.video !== undefined }
      : undefined;
  }

  /** The audio codec in use, or the first one the pending remote offer lists that we support. */
  get audioCodec(): AudioCodecName | undefined {
    if (this.#audio) return this.#audio.codec;
    const offered = this.#remoteOffer?.media.find((media) => media.kind === 'audio' && media.port !== 0);
    for (const codec of offered?.codecs ?? []) {
      const name = audioCodecName(codec.name);
      if (name && this.#options.audioCodecs.includes(name)) return name;
    }
    return undefined;
  }

  get audio(): NegotiatedAudio | undefined {
    return this.#audio;
  }

  get direction(): Direction {
    return this.#direction;
  }

  /** Where RTP goes now: the latched source, else what the SDP said. */
  get remoteAddress(): { address: string; port: number } | undefined {
    return this.#latched ?? this.#remote;
  }

  get localPort(): number | undefined {
    return this.#sockets?.port;
  }

  get invalidPackets(): number {
    return this.#invalidPackets;
  }

  async createOffer(options?: OfferOptions): Promise<string> {
    this.#assertOpen();
    if (this.#state === 'have-remote-offer')
      throw new NegotiationStateError('sip', 'createOffer', this.#state);
    const sockets = await this.#socketLease.open();
    const direction: Direction = options?.hold
      ? this.#remoteDirection === 'sendonly' || this.#remoteDirection === 'inactive'
        ? 'inactive'
        : 'sendonly'
      : 'sendrecv';
    const codecs = this.#offerCodecs();
    const proto = this.#sdes.offerProto();
    const sections: MediaToWrite[] = [
      {
        kind: 'audio',
        port: sockets.port,
        proto,
        codecs,
        direction,
        ptime: this.#options.ptimeMs,
        rtcpPort: sockets.port + 1,
        crypto: this.#sdes.localCrypto(),
      },
    ];
    const video =
      (options?.kinds?.video ?? this.#videoStream.video !== undefined) &&
      this.#options.videoCodecs.length > 0;
    if (video) {
      const names = preferFirst(this.#options.videoCodecs, this.#handlers.preferredVideoCodec());
      sections.push(await this.#videoStream.offerSection(names, direction));
    }
    this.#localOffer = { direction, codecs, proto, video };
    this.#state = 'have-local-offer';
    return this.#write(sections);
  }

  async setRemoteAnswer(sdp: string): Promise<void> {
    this.#assertOpen();
    if (this.#state !== 'have-local-offer' || !this.#localOffer)
      throw new NegotiationStateError('sip', 'setRemoteAnswer', this.#state);
    const answer = parseSdp(sdp);
    const offer = this.#localOffer;
    this.#localOffer = undefined;
    this.#state = 'stable';
    const videoMedia = offer.video
      ? answer.media.find((section) => section.kind === 'video' && section.port !== 0)
      : undefined;
    const videoCodec = videoMedia?.codecs.find((codec) =>
      this.#options.videoCodecs.some((name) => name === codec.name.toUpperCase()),
    );
    this.#videoStream.apply(
      videoCodec,
      videoMedia ? intersect(offer.direction, reverse(videoMedia.direction)) : 'inactive',
      videoMedia,
    );
    const media = answer.media.find((section) => section.kind === 'audio');
    if (!media || media.port === 0) {
      this.#apply(undefined, 'inactive', media);
      return;
    }
    const chosen = media.codecs.find(
      (codec) =>
        audioCodecName(codec.name) && offer.codecs.some((ours) => ours.payloadType === codec.payloadType),
    );
    if (!chosen)
      throw new UnsupportedMediaError(
        `sip: the answer selects no codec we offered (${media.formats.join(' ')})`,
      );
    this.#srtp = this.#sdes.acceptAnswer(media);
    this.#apply(this.#describe(chosen, media), intersect(offer.direction, reverse(media.direction)), media);
  }

  async setRemoteOffer(sdp: string): Promise<void> {
    this.#assertOpen();
    if (this.#state === 'have-local-offer')
      throw new NegotiationStateError('sip', 'setRemoteOffer', this.#state);
    this.#remoteOffer = parseSdp(sdp);
    this.#state = 'have-remote-offer';
    await this.#socketLease.open();
  }

  async createAnswer(): Promise<string> {
    this.#assertOpen();
    const offer = this.#remoteOffer;
    if (this.#state !== 'have-remote-offer' || !offer)
      throw new NegotiationStateError('sip', 'createAnswer', this.#state);
    const sockets = await this.#socketLease.open();
    const sections: MediaToWrite[] = [];
    let accepted: { media: SdpMedia; codec: CodecDescription } | undefined;
    let acceptedVideo: { media: SdpMedia; codec: CodecDescription } | undefined;
    for (const media of offer.media) {
      if (media.kind === 'video' && !acceptedVideo) {
        const videoCodec = this.#videoStream.choose(
          media,
          this.#options.videoCodecs,
          this.#handlers.preferredVideoCodec(),
        );
        if (videoCodec) {
          acceptedVideo = { media, codec: videoCodec };
          sections.push(await this.#videoStream.answerSection(media, videoCodec, reverse(media.direction)));
          continue;
        }
      }
      const codec =
        !accepted && media.kind === 'audio' && media.port !== 0 && this.#sdes.accepts(media)
          ? this.#chooseCodec(media)
          : undefined;
      if (!codec) {
        sections.push({
          kind: media.kind,
          port: 0,
          proto: media.proto,
          codecs: [],
          formats: media.formats,
          direction: 'inactive',
        });
        continue;
      }
      accepted = { media, codec };
      const telephoneEvent = telephoneEventAt(media, codec.clockRate);
      const direction = reverse(media.direction);
      sections.push({
        kind: 'audio',
        port: sockets.port,
        proto: media.proto,
        codecs: telephoneEvent ? [codec, telephoneEvent] : [codec],
        direction,
        ptime: media.ptime ?? this.#options.ptimeMs,
        rtcpPort: sockets.port + 1,
        crypto: this.#sdes.answerCrypto(media),
      });
    }
    this.#videoStream.apply(
      acceptedVideo?.codec,
      acceptedVideo ? reverse(acceptedVideo.media.direction) : 'inactive',
      acceptedVideo?.media,
    );
    this.#remoteOffer = undefined;
    this.#state = 'stable';
    if (!accepted) {
      this.#apply(undefined, 'inactive', undefined);
      // Audio disabled on purpose (port 0) is answered in kind; audio we cannot use is the SIP adapter's 488.
      if (offer.media.some((media) => media.kind === 'audio' && media.port !== 0)) {
        throw new UnsupportedMediaError(
          'sip: the offer has no audio stream with a codec and profile we support',
        );
      }
      return this.#write(sections);
    }
    this.#srtp = this.#sdes.acceptOffer(accepted.media);
    this.#apply(
      this.#describe(accepted.codec, accepted.media),
      reverse(accepted.media.direction),
      accepted.media,
    );
    return this.#write(sections);
  }

  /** Sends one audio packet of the negotiated codec toward the phone, rewritten into our continuous stream. */
  sendAudio(
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void {
    const audio = this.#audio;
    if (!audio) return;
    this.#send(audio.payloadType, sourceSsrc, sourceSequence, timestamp, marker, payload, nowMs);
  }

  sendTelephoneEvent(
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void {
    const event = this.#audio?.telephoneEvent;
    if (!event) return;
    this.#send(event.payloadType, sourceSsrc, sourceSequence, timestamp, marker, payload, nowMs);
  }

  get video(): { codec: VideoCodecName; payloadType: number } | undefined {
    return this.#videoStream.video;
  }

  get videoCodec(): VideoCodecName | undefined {
    return this.#videoStream.video?.codec;
  }

  sendVideo(
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void {
    this.#videoStream.send(sourceSsrc, sourceSequence, timestamp, marker, payload, nowMs);
  }

  /** The phone asked for a keyframe over SIP INFO: handled like its RTCP PLI/FIR (the browser is asked). */
  keyframeRequestedByPeer(): void {
    this.#handlers.keyframeRequested();
  }

  /** Asks the phone for a keyframe: RTCP PLI and FIR, and `keyframeRequests$` for the SIP adapter's INFO. */
  requestKeyframe(): void {
    if (!this.#videoStream.video) return;
    this.#videoStream.requestKeyframe();
    this.#keyframeRequests.next();
  }

  /** For DTMF we generate: the outgoing stream's rewriter (same SSRC and sequence space as the audio). */
  get outboundStream(): StreamRewriter | undefined {
    return this.#outbound;
  }

  /** Sends a packet whose position in the outgoing stream is already decided (generated DTMF). */
  sendRaw(frame: RtpFrame): void {
    if (!this.#canSend()) return;
    this.#transmit(frame);
  }

  legStats(): LegStats {
    return legStatsOf(this.#receive, this.#packetsSent, this.#bytesSent, this.#rttMs, this.#audio?.codec);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#rtcpTimer) clearInterval(this.#rtcpTimer);
    this.#rtcpTimer = undefined;
    this.#keyframeRequests.complete();
    await this.#socketLease.close();
    this.#sockets = undefined;
    await this.#videoStream.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new MediaClosedError('sip leg');
  }

  #offerCodecs(): CodecDescription[] {
    const names = preferFirst(this.#options.audioCodecs, this.#handlers.preferredAudioCodec());
    const codecs = names.map((name) => sipAudioCodecs[name]);
    const events = [TELEPHONE_EVENT_8K];
    if (names.includes('opus')) events.push(TELEPHONE_EVENT_48K);
    return [...codecs, ...events];
  }

  #chooseCodec(media: SdpMedia): CodecDescription | undefined {
    const preferred = this.#handlers.preferredAudioCodec();
    const usable = media.codecs.filter((codec) => {
      const name = audioCodecName(codec.name);
      return name !== undefined && this.#options.audioCodecs.includes(name);
    });
    // Same codec as the other leg first (no transcoding), else the offerer's preference (RFC 3264 §6.1).
    return usable.find((codec) => audioCodecName(codec.name) === preferred) ?? usable[0];
  }

  #describe(codec: CodecDescription, media: SdpMedia): NegotiatedAudio {
    const name = audioCodecName(codec.name) as AudioCodecName;
    const event =
      telephoneEventAt(media, codec.clockRate) ??
      media.codecs.find((c) => c.name.toLowerCase() === TELEPHONE_EVENT);
    return {
      codec: name,
      payloadType: codec.payloadType,
      clockRate: rtpClockRate(name),
      ptimeMs: media.ptime && media.ptime >= 10 && media.ptime <= 60 ? media.ptime : this.#options.ptimeMs,
      telephoneEvent: event ? { payloadType: event.payloadType, clockRate: event.clockRate } : undefined,
    };
  }

  #apply(audio: NegotiatedAudio | undefined, direction: Direction, media: SdpMedia | undefined): void {
    const previous = this.#remote;
    this.#audio = audio;
    this.#direction = audio ? direction : 'inactive';
    this.#remoteDirection = media?.direction ?? 'inactive';
    this.#remote = audio && media ? remoteEndpoint(media) : undefined;
    if (!sameRtpAddress(previous, this.#remote)) {
      this.#latched = undefined;
      this.#latchedRtcp = undefined;
    }
    if (audio) {
      this.#receive.setClockRate(audio.clockRate);
      this.#outbound = StreamRewriter.continuing(this.#outbound, audio.clockRate, audio.ptimeMs);
      this.#startRtcp();
    }
    this.#handlers.negotiated();
  }

  #write(media: MediaToWrite[]): string {
    this.#sessionVersion++;
    return writeSdp(
      {
        sessionId: this.#sessionId,
        sessionVersion: this.#sessionVersion,
        address: this.#options.advertisedAddress,
      },
      media,
    );
  }

  #canSend(): boolean {
    return (
      this.#audio !== undefined &&
      (this.#direction === 'sendrecv' || this.#direction === 'sendonly') &&
      this.remoteAddress !== undefined
    );
  }

  #send(
    payloadType: number,
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void {
    const outbound = this.#outbound;
    if (!outbound || !this.#canSend()) return;
    const position = outbound.rewrite(sourceSsrc, sourceSequence, timestamp, nowMs);
    if (!position) return;
    this.#transmit({
      payloadType,
      sequenceNumber: position.sequenceNumber,
      timestamp: position.timestamp,
      ssrc: outbound.ssrc,
      marker: marker || position.marker,
      payload,
    });
  }

  #transmit(frame: RtpFrame): void {
    const sockets = this.#sockets;
    const destination = this.remoteAddress;
    if (!sockets || !destination) return;
    let packet = serializeRtp(frame);
    if (this.#srtp) packet = this.#srtp.protectRtp(packet);
    this.#packetsSent++;
    this.#bytesSent += frame.payload.length;
    this.#lastSentTimestamp = frame.timestamp;
    sockets.rtp.send(packet, destination.port, destination.address);
  }

  readonly #onRtp = (message: Buffer, from: RemoteInfo): void => {
    const audio = this.#audio;
    if (!audio) return;
    const nowMs = performance.now();
    let packet = message;
    if (this.#srtp) {
      const plain = this.#srtp.unprotectRtp(message);
      if (!plain) {
        this.#invalidPackets++;
        return;
      }
      packet = plain;
    }
    const frame = parseRtp(packet);
    const event = audio.telephoneEvent;
    if (!frame || (frame.payloadType !== audio.payloadType && frame.payloadType !== event?.payloadType)) {
      this.#invalidPackets++;
      return;
    }
    if (!this.#latch(from, nowMs)) return;
    if (this.#direction !== 'sendrecv' && this.#direction !== 'recvonly') return;
    this.#receive.record(frame.ssrc, frame.sequenceNumber, frame.timestamp, frame.payload.length, nowMs);
    if (frame.payloadType === audio.payloadType) this.#handlers.audio(frame, nowMs);
    else if (event) this.#handlers.telephoneEvent(frame, event.clockRate, nowMs);
  };

  /** Symmetric RTP: send where valid packets really come from. True when this packet's source is the latched one. */
  #latch(from: RemoteInfo, nowMs: number): boolean {
    const latched = this.#latched;
    if (latched && latched.address === from.address && latched.port === from.port) {
      this.#lastLatchedPacketMs = nowMs;
      return true;
    }
    if (latched && nowMs - this.#lastLatchedPacketMs < this.#options.relatchAfterMs) return false;
    this.#latched = { address: from.address, port: from.port };
    this.#lastLatchedPacketMs = nowMs;
    return true;
  }

  readonly #onRtcp = (message: Buffer, from: RemoteInfo): void => {
    let packet = message;
    if (this.#srtp) {
      const plain = this.#srtp.unprotectRtcp(message);
      if (!plain) return;
      packet = plain;
    }
    const rtcp = parseRtcp(packet);
    if (!rtcp) return;
    this.#latchedRtcp = { address: from.address, port: from.port };
    if (rtcp.senderInfo)
      this.#receive.lastSenderReport = {
        ntpMiddle: rtcp.senderInfo.ntpMiddle,
        receivedAtMs: performance.now(),
      };
    const ours = this.#outbound?.ssrc;
    for (const report of rtcp.reports) {
      if (report.ssrc !== ours || report.lastSenderReport === 0) continue;
      // RFC 3550 §6.4.1: RTT = arrival − LSR − DLSR, all in 1/65536 s.
      const arrival = ntpMiddle(ntpNow());
      const rtt = ((arrival - report.lastSenderReport - report.delaySinceLastSenderReport) >>> 0) / 65536;
      if (rtt < 60) this.#rttMs = rtt * 1000;
    }
  };

  #startRtcp(): void {
    if (this.#rtcpTimer || this.#options.rtcpIntervalMs <= 0) return;
    this.#rtcpTimer = setInterval(() => this.#sendReport(), this.#options.rtcpIntervalMs);
  }

  #sendReport(): void {
    const sockets = this.#sockets;
    const outbound = this.#outbound;
    const remote = this.#remote;
    if (!sockets || !outbound || !remote) return;
    const ntp = ntpNow();
    const receive = this.#receive;
    const lastSr = receive.lastSenderReport;
    const block =
      receive.packets > 0
        ? {
            ssrc: receive.ssrc,
            fractionLost: receive.takeIntervalFractionLost(),
            cumulativeLost: receive.lost,
            extendedHighestSequence: receive.extendedHighestSequence,
            jitter: Math.round(receive.jitterTicks),
            lastSenderReport: lastSr?.ntpMiddle ?? 0,
            delaySinceLastSenderReport: lastSr
              ? Math.round(((performance.now() - lastSr.receivedAtMs) / 1000) * 65536)
              : 0,
          }
        : undefined;
    const sender =
      this.#packetsSent > 0
        ? {
            ntpMiddle: ntpMiddle(ntp),
            rtpTimestamp: this.#lastSentTimestamp,
            packets: this.#packetsSent,
            octets: this.#bytesSent,
          }
        : undefined;
    let packet = serializeReport(outbound.ssrc, sender, ntp, block, this.#cname);
    if (this.#srtp) packet = this.#srtp.protectRtcp(packet);
    const destination = this.#latchedRtcp ?? { address: remote.rtcpAddress, port: remote.rtcpPort };
    sockets.rtcp.send(packet, destination.port, destination.address);
  }
}
