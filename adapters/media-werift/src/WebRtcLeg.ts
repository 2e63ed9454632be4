// The WebRTC side of a session: one werift RTCPeerConnection (ICE, DTLS-SRTP, max-bundle) negotiated in either role.
// It sends our rewritten stream through the sender and hands what the browser sends to the session.

import type { IceCandidate, LegStats, MediaKinds, OfferOptions, WebRtcMediaEndpoint } from '@cubebridge/core';
import { type Observable, ReplaySubject } from 'rxjs';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RTCRtpTransceiver,
  RtpHeader,
  type RtpPacket,
  useFIR,
  useG722,
  useH264,
  useOPUS,
  usePCMA,
  usePCMU,
  usePLI,
  useVP8,
  useVP9,
} from 'werift';
import { type AudioCodecName, audioCodecName, type VideoCodecName, videoCodecName } from '@cubebridge/codecs';
import { preferFirst } from './codecs/preferFirst.ts';
import { MediaClosedError, NegotiationStateError, UnsupportedMediaError } from './errors.ts';
import type { LegHandlers, NegotiatedAudio } from './LegHandlers.ts';
import type { RtpFrame } from './rtp/RtpFrame.ts';
import { StreamRewriter } from './rtp/StreamRewriter.ts';
import { legStatsOf } from './stats/legStatsOf.ts';
import { ReceiveStatistics } from './stats/ReceiveStatistics.ts';
import { BundledRtpReceiver, type RtpSink } from './werift/BundledRtpReceiver.ts';
import { cacheSrtpKeys } from './werift/cacheSrtpKeys.ts';
import { isTelephoneEvent, primaryCodec } from './werift/negotiatedCodecs.ts';

export interface WebRtcLegOptions {
  /** Address the ICE host candidate binds to; a loopback address restricts ICE to it (tests). */
  readonly bindAddress: string;
  /** Extra host candidates to advertise (a public address on a NATed host). */
  readonly hostAddresses: readonly string[];
  readonly iceServers: readonly { urls: string; username?: string; credential?: string }[];
  readonly icePortRange: readonly [number, number] | undefined;
  readonly iceLite: boolean;
  readonly audioCodecs: readonly AudioCodecName[];
  readonly videoCodecs: readonly VideoCodecName[];
}

type SignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer';

const WEBRTC_CODEC: Readonly<Record<AudioCodecName, () => RTCRtpCodecParameters>> = {
  opus: () => useOPUS({ payloadType: 111 }),
  G722: () => useG722(),
  PCMU: () => usePCMU(),
  PCMA: () => usePCMA(),
};

/** Keyframe feedback only: no NACK, since we keep no retransmission history on the forwarding path. */
const VIDEO_FEEDBACK = () => [usePLI(), useFIR()];

const WEBRTC_VIDEO_CODEC: Readonly<Record<VideoCodecName, () => RTCRtpCodecParameters>> = {
  VP8: () => useVP8({ payloadType: 96, rtcpFeedback: VIDEO_FEEDBACK() }),
  H264: () => useH264({ payloadType: 102, rtcpFeedback: VIDEO_FEEDBACK() }),
  VP9: () => useVP9({ payloadType: 98, rtcpFeedback: VIDEO_FEEDBACK() }),
};

const ignore = (): void => {};

/** The werift sender's private SR counters, which we keep current because we bypass `sender.sendRtp`. */
interface SenderCounters {
  packetCount: number;
  octetCount: number;
  rtpTimestamp: number;
  ntpTimestamp: bigint;
}

const NTP_EPOCH_OFFSET_MS = Date.UTC(1970, 0, 1) - Date.UTC(1900, 0, 1);

/** Wall clock as 64-bit NTP (seconds since 1900 in the high word, fraction in the low one). */
function ntpNow(): bigint {
  const ms = performance.timeOrigin + performance.now() + NTP_EPOCH_OFFSET_MS;
  const seconds = Math.floor(ms / 1000);
  return (BigInt(seconds) << 32n) | BigInt(Math.floor(((ms - seconds * 1000) / 1000) * 0x1_0000_0000));
}

export class WebRtcLeg implements WebRtcMediaEndpoint {
  readonly kind = 'webrtc' as const;
  readonly #options: WebRtcLegOptions;
  readonly #handlers: LegHandlers;
  readonly #candidates = new ReplaySubject<IceCandidate | null>();
  readonly #track = new MediaStreamTrack({ kind: 'audio' });
  readonly #videoTrack = new MediaStreamTrack({ kind: 'video' });
  #videoTransceiver: RTCRtpTransceiver | undefined;
  #video: { codec: VideoCodecName; payloadType: number } | undefined;
  #videoOutbound = new StreamRewriter(90000, 33, undefined, false);
  #remoteVideoSsrc = 0;
  #feedbackWatched = false;
  /** Pending waits (ICE gathering) that close() must release. */
  readonly #abortWaits: (() => void)[] = [];
  #pc: RTCPeerConnection | undefined;
  #state: SignalingState = 'stable';
  #audio: NegotiatedAudio | undefined;
  #transceiver: RTCRtpTransceiver | undefined;
  #outbound: StreamRewriter | undefined;
  #receive = new ReceiveStatistics(48000);
  #packetsSent = 0;
  #bytesSent = 0;
  #rttMs: number | undefined;
  #keysCached = false;
  /** The short receive path for SRTP once werift has delivered a stream's first packet (see BundledRtpReceiver). */
  readonly #bundled = new BundledRtpReceiver();
  #receiveTransport: unknown;
  readonly #senderReports = new WeakSet<object>();
  #closed = false;

  constructor(options: WebRtcLegOptions, handlers: LegHandlers) {
    this.#options = options;
    this.#handlers = handlers;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get negotiated(): MediaKinds | undefined {
    return this.#audio || this.#video
      ? { audio: this.#audio !== undefined, video: this.#video !== undefined }
      : undefined;
  }

  get audio(): NegotiatedAudio | undefined {
    return this.#audio;
  }

  get audioCodec(): AudioCodecName | undefined {
    return this.#audio?.codec;
  }

  get videoCodec(): VideoCodecName | undefined {
    return this.#video?.codec;
  }

  get localCandidates$(): Observable<IceCandidate | null> {
    return this.#candidates.asObservable();
  }

  get connectionState(): string {
    return this.#pc?.connectionState ?? 'new';
  }

  async createOffer(options?: OfferOptions): Promise<string> {
    return this.#guard(async () => {
      this.#assertOpen();
      if (this.#state === 'have-remote-offer')
        throw new NegotiationStateError('webrtc', 'createOffer', this.#state);
      const pc = this.#peerConnection();
      if (!this.#transceiver) this.#transceiver = pc.addTransceiver(this.#track, { direction: 'sendrecv' });
      this.#transceiver.setDirection(options?.hold ? 'sendonly' : 'sendrecv');
      if (options?.kinds?.video && !this.#videoTransceiver && this.#options.videoCodecs.length > 0) {
        this.#videoTransceiver = pc.addTransceiver(this.#videoTrack, { direction: 'sendrecv' });
      }
      this.#videoTransceiver?.setDirection(options?.hold ? 'sendonly' : 'sendrecv');
      await pc.setLocalDescription(await pc.createOffer());
      this.#state = 'have-local-offer';
      return this.#localSdp();
    });
  }

  async setRemoteAnswer(sdp: string): Promise<void> {
    return this.#guard(async () => {
      this.#assertOpen();
      if (this.#state !== 'have-local-offer')
        throw new NegotiationStateError('webrtc', 'setRemoteAnswer', this.#state);
      await this.#peerConnection().setRemoteDescription({ type: 'answer', sdp });
      this.#state = 'stable';
      this.#updateNegotiated();
    });
  }

  async setRemoteOffer(sdp: string): Promise<void> {
    return this.#guard(async () => {
      this.#assertOpen();
      if (this.#state === 'have-local-offer')
        throw new NegotiationStateError('webrtc', 'setRemoteOffer', this.#state);
      const pc = this.#peerConnection();
      await pc.setRemoteDescription({ type: 'offer', sdp });
      this.#state = 'have-remote-offer';
      if (!this.#transceiver) {
        const audio = pc.getTransceivers().find((transceiver) => transceiver.kind === 'audio');
        if (!audio) throw new UnsupportedMediaError('webrtc: the offer has no audio section');
        // addTrack reuses the offer's audio transceiver, which makes our answer sendrecv.
        pc.addTrack(this.#track);
        this.#transceiver = audio;
      }
      if (!this.#videoTransceiver && this.#options.videoCodecs.length > 0) {
        const video = pc.getTransceivers().find((transceiver) => transceiver.kind === 'video');
        if (video) {
          pc.addTrack(this.#videoTrack);
          this.#videoTransceiver = video;
        }
      }
    });
  }

  async createAnswer(): Promise<string> {
    return this.#guard(async () => {
      this.#assertOpen();
      if (this.#state !== 'have-remote-offer')
        throw new NegotiationStateError('webrtc', 'createAnswer', this.#state);
      const pc = this.#peerConnection();
      await pc.setLocalDescription(await pc.createAnswer());
      this.#state = 'stable';
      this.#updateNegotiated();
      return this.#localSdp();
    });
  }

  async addRemoteCandidate(candidate: IceCandidate): Promise<void> {
    return this.#guard(async () => {
      this.#assertOpen();
      await this.#peerConnection().addIceCandidate({
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid ?? undefined,
        sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
      });
    });
  }

  sendAudio(
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void {
    const audio = this.#audio;
    const position = audio && this.#outbound?.rewrite(sourceSsrc, sourceSequence, timestamp, nowMs);
    if (!position) return;
    if (!this.#transceiver) return;
    this.#transmit(
      this.#transceiver,
      audio.payloadType,
      position.sequenceNumber,
      position.timestamp,
      marker || position.marker,
      payload,
    );
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
    const position = event && this.#outbound?.rewrite(sourceSsrc, sourceSequence, timestamp, nowMs);
    if (!event || !position) return;
    this.sendRaw({
      payloadType: event.payloadType,
      sequenceNumber: position.sequenceNumber,
      timestamp: position.timestamp,
      ssrc: 0,
      marker: marker || position.marker,
      payload,
    });
  }

  sendVideo(
    sourceSsrc: number,
    sourceSequence: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
    nowMs: number,
  ): void {
    const video = this.#video;
    const position = video && this.#videoOutbound.rewrite(sourceSsrc, sourceSequence, timestamp, nowMs);
    if (!position || !this.#videoTransceiver) return;
    this.#transmit(
      this.#videoTransceiver,
      video.payloadType,
      position.sequenceNumber,
      position.timestamp,
      marker,
      payload,
    );
  }

  /** Asks the browser's encoder for a keyframe (RTCP PLI on the video receiver). */
  requestKeyframe(): void {
    if (!this.#video || this.#remoteVideoSsrc === 0) return;
    this.#videoTransceiver?.receiver.sendRtcpPLI(this.#remoteVideoSsrc).catch(ignore);
  }

  get outboundStream(): StreamRewriter | undefined {
    return this.#outbound;
  }

  /**
   * Sends a packet straight to the DTLS transport with the sender's SSRC: werift's sender would re-label any payload
   * type as the primary codec, which would turn telephone-event into broken Opus.
   */
  sendRaw(frame: RtpFrame): void {
    if (!this.#transceiver) return;
    this.#transmit(
      this.#transceiver,
      frame.payloadType,
      frame.sequenceNumber,
      frame.timestamp,
      frame.marker,
      frame.payload,
    );
  }

  /**
   * The hot path toward the browser: straight to the DTLS transport's SRTP with the sender's SSRC. werift's
   * `sender.sendRtp` would clone the packet, rebuild header extensions and, worse, re-label any payload type as the
   * primary codec (telephone-event would become broken Opus). We keep the sender's counters so its RTCP SRs stay right.
   */
  #transmit(
    transceiver: RTCRtpTransceiver,
    payloadType: number,
    sequenceNumber: number,
    timestamp: number,
    marker: boolean,
    payload: Uint8Array,
  ): void {
    const sender = transceiver.sender;
    const transport = sender.dtlsTransport;
    if (transport?.state !== 'connected') return;
    if (!this.#keysCached) this.#keysCached = cacheSrtpKeys(transport);
    if (!this.#feedbackWatched) this.#watchFeedback(transport);
    const header = new RtpHeader({ payloadType, sequenceNumber, timestamp, marker, ssrc: sender.ssrc });
    const counters = sender as unknown as SenderCounters;
    counters.packetCount = (counters.packetCount + 1) >>> 0;
    counters.octetCount = (counters.octetCount + payload.length) >>> 0;
    counters.rtpTimestamp = timestamp;
    counters.ntpTimestamp = ntpNow();
    if (!this.#senderReports.has(sender)) {
      this.#senderReports.add(sender);
      void sender.runRtcp();
    }
    this.#packetsSent++;
    this.#bytesSent += payload.length;
    transport.sendRtp(asBuffer(payload), header).catch(ignore);
  }

  /** Refreshes the RTT from ICE consent checks (werift's candidate-pair stats). */
  async refreshRtt(): Promise<void> {
    const pc = this.#pc;
    if (pc?.connectionState !== 'connected') return;
    const report = await pc.getStats();
    for (const stat of report.values()) {
      const pair = stat as { type?: string; nominated?: boolean; currentRoundTripTime?: number };
      if (pair.type === 'candidate-pair' && pair.currentRoundTripTime !== undefined)
        this.#rttMs = pair.currentRoundTripTime * 1000;
    }
  }

  legStats(): LegStats {
    return legStatsOf(this.#receive, this.#packetsSent, this.#bytesSent, this.#rttMs, this.#audio?.codec);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#track.stop();
    this.#videoTrack.stop();
    this.#candidates.complete();
    for (const abort of this.#abortWaits.splice(0)) abort();
    this.#bundled.detach();
    const pc = this.#pc;
    this.#pc = undefined;
    if (pc) await pc.close();
  }

  /**
   * Browser PLI/FIR for our video: werift routes them to the receiver (the browser's feedback SSRC is its own media
   * SSRC) and `sender.onPictureLossIndication` never fires, so we read them off the DTLS transport.
   */
  #watchFeedback(transport: RTCRtpTransceiver['sender']['dtlsTransport']): void {
    this.#feedbackWatched = true;
    transport.onRtcp.subscribe((packet) => {
      const videoSsrc = this.#videoTransceiver?.sender.ssrc;
      if (packet.type !== 206 || videoSsrc === undefined) return;
      const feedback = (
        packet as unknown as { feedback: { count?: number; mediaSsrc?: number; fir?: { ssrc: number }[] } }
      ).feedback;
      const pli = feedback.count === 1 && feedback.mediaSsrc === videoSsrc;
      const fir = feedback.count === 4 && (feedback.fir ?? []).some((entry) => entry.ssrc === videoSsrc);
      if (pli || fir) this.#handlers.keyframeRequested();
    });
  }

  /** werift throws its own errors once the connection is closed under a pending call: report that as our close. */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (this.#closed) throw new MediaClosedError('webrtc leg');
      throw error;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new MediaClosedError('webrtc leg');
  }

  /** Created on first use, so the codec order can follow what the SIP leg already uses (forwarding beats transcoding). */
  #peerConnection(): RTCPeerConnection {
    if (this.#pc) return this.#pc;
    const names = preferFirst(this.#options.audioCodecs, this.#handlers.preferredAudioCodec());
    const videoNames = preferFirst(this.#options.videoCodecs, this.#handlers.preferredVideoCodec());
    const bind = this.#options.bindAddress;
    const loopback = bind.startsWith('127.') || bind === '::1';
    const pc = new RTCPeerConnection({
      codecs: {
        audio: [
          ...names.map((name) => WEBRTC_CODEC[name]()),
          new RTCRtpCodecParameters({
            mimeType: 'audio/telephone-event',
            clockRate: 48000,
            channels: 1,
            payloadType: 110,
          }),
          new RTCRtpCodecParameters({
            mimeType: 'audio/telephone-event',
            clockRate: 8000,
            channels: 1,
            payloadType: 126,
          }),
        ],
        video: videoNames.map((name) => WEBRTC_VIDEO_CODEC[name]()),
      },
      bundlePolicy: 'max-bundle',
      iceLite: this.#options.iceLite,
      iceServers: this.#options.iceServers.map((server) => ({ ...server })),
      icePortRange: this.#options.icePortRange ? [...this.#options.icePortRange] : undefined,
      iceUseTcp: false,
      iceAdditionalHostAddresses: [...(loopback ? [bind] : []), ...this.#options.hostAddresses],
      ...(loopback
        ? {
            iceUseIpv4: false,
            iceUseIpv6: false,
            iceInterfaceAddresses: { udp4: bind },
            iceFilterStunResponse: (_message, address) => address[0] === bind,
          }
        : bind !== '0.0.0.0'
          ? { iceInterfaceAddresses: { udp4: bind } }
          : {}),
    });
    pc.onIceCandidate.subscribe((candidate) => {
      if (candidate?.candidate) {
        this.#candidates.next({
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid ?? null,
          sdpMLineIndex: candidate.sdpMLineIndex ?? null,
        });
      }
    });
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') this.#candidates.next(null);
    });
    pc.onTrack.subscribe((track) => {
      const video = track.kind === 'video';
      const sink = video ? this.#onVideoFrame : this.#onAudioFrame;
      // werift's path: first packets of each SSRC, and what the short path leaves to werift (RTX, RED, ...).
      track.onReceiveRtp.subscribe((rtp) => {
        const frame = frameOf(rtp);
        this.#bundled.learn(frame.ssrc, (video ? this.#videoTransceiver : this.#transceiver)?.receiver, sink);
        sink(frame, performance.now());
      });
    });
    this.#pc = pc;
    return pc;
  }

  /** Video from the browser, by either receive path. */
  readonly #onVideoFrame: RtpSink = (frame, nowMs) => {
    const video = this.#video;
    if (!video || frame.payloadType !== video.payloadType) return;
    this.#remoteVideoSsrc = frame.ssrc;
    this.#handlers.video(frame, nowMs);
  };

  /** Audio and telephone-event from the browser, by either receive path. */
  readonly #onAudioFrame: RtpSink = (frame, nowMs) => {
    const audio = this.#audio;
    if (!audio) return;
    this.#receive.record(frame.ssrc, frame.sequenceNumber, frame.timestamp, frame.payload.length, nowMs);
    if (frame.payloadType === audio.payloadType) this.#handlers.audio(frame, nowMs);
    else if (frame.payloadType === audio.telephoneEvent?.payloadType)
      this.#handlers.telephoneEvent(frame, audio.telephoneEvent.clockRate, nowMs);
    else {
      const event = this.#telephoneEventClock(frame.payloadType);
      if (event) this.#handlers.telephoneEvent(frame, event, nowMs);
    }
  };

  /**
   * Once the bundled DTLS transport is connected (its SRTP started), cache its SRTP keys and put the short receive
   * path on it. Called after each negotiation: the transport may be a new one.
   */
  #watchReceiveTransport(): void {
    const transport = (this.#transceiver ?? this.#videoTransceiver)?.receiver.dtlsTransport;
    if (!transport || transport === this.#receiveTransport) return;
    this.#receiveTransport = transport;
    const attach = (): void => {
      if (this.#closed || transport !== this.#receiveTransport) return;
      this.#keysCached = cacheSrtpKeys(transport) || this.#keysCached;
      this.#bundled.attach(transport, this.#pc);
    };
    if (transport.state === 'connected') attach();
    else
      transport.onStateChange.subscribe((state) => {
        if (state === 'connected') attach();
      });
  }

  #telephoneEventClock(payloadType: number): number | undefined {
    return this.#transceiver?.codecs.find(
      (codec) => codec.payloadType === payloadType && isTelephoneEvent(codec),
    )?.clockRate;
  }

  async #localSdp(): Promise<string> {
    const pc = this.#peerConnection();
    // Non-trickle by default: the SDP we return carries every candidate; trickle users also get them on localCandidates$.
    if (pc.iceGatheringState !== 'complete') {
      // A call may be hung up while we gather: close() settles this wait instead of leaving it pending forever.
      await new Promise<void>((resolve) => {
        const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
          if (state === 'complete') {
            unSubscribe();
            resolve();
          }
        });
        this.#abortWaits.push(() => {
          unSubscribe();
          resolve();
        });
      });
    }
    this.#assertOpen();
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new NegotiationStateError('webrtc', 'localDescription', 'missing');
    return sdp;
  }

  #updateNegotiated(): void {
    const video = primaryCodec(this.#videoTransceiver?.codecs ?? [], videoCodecName);
    this.#video = video ? { codec: video.name, payloadType: video.codec.payloadType ?? 0 } : undefined;
    const codecs = this.#transceiver?.codecs ?? [];
    const audio = primaryCodec(codecs, audioCodecName);
    if (!audio) {
      this.#audio = undefined;
    } else {
      const { codec: primary, name } = audio;
      const events = codecs.filter(isTelephoneEvent);
      const event = events.find((codec) => codec.clockRate === primary.clockRate) ?? events[0];
      this.#audio = {
        codec: name,
        payloadType: primary.payloadType ?? 0,
        clockRate: primary.clockRate,
        ptimeMs: 20,
        telephoneEvent: event
          ? { payloadType: event.payloadType ?? 0, clockRate: event.clockRate }
          : undefined,
      };
      this.#receive.setClockRate(primary.clockRate);
      this.#outbound = StreamRewriter.continuing(this.#outbound, primary.clockRate, 20);
    }
    // Codecs or feedback may have changed: every stream goes through werift once more before the short path.
    this.#bundled.forget();
    this.#watchReceiveTransport();
    this.#handlers.negotiated();
  }
}

/** werift's delivered packet in the relay's terms (the payload is werift's clone: no copy needed). */
function frameOf(rtp: RtpPacket): RtpFrame {
  const header = rtp.header;
  return {
    payloadType: header.payloadType,
    sequenceNumber: header.sequenceNumber,
    timestamp: header.timestamp,
    ssrc: header.ssrc,
    marker: header.marker,
    payload: rtp.payload,
  };
}

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
}
