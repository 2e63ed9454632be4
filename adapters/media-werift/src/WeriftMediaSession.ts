// One call's media: a SIP leg and a WebRTC leg, the audio routes between them (forward or transcode), DTMF in
// both directions, taps, and periodic stats. Observation goes out on `events$`; nothing here waits for a subscriber.

import type {
  MediaLegName,
  MediaPacket,
  MediaSession,
  MediaSessionEvent,
  MediaSessionOptions,
  MediaSessionStats,
  MediaTap,
  MediaTapOptions,
} from '@cubebridge/core';
import { type Observable, Subject } from 'rxjs';
import { type AudioRoute, ForwardRoute, TranscodeRoute } from './AudioRoute.ts';
import {
  digitToEvent,
  parseTelephoneEvent,
  serializeTelephoneEvent,
  TelephoneEventDeduplicator,
} from './dtmf/TelephoneEvent.ts';
import { MediaClosedError, UnsupportedMediaError } from './errors.ts';
import type { LegHandlers } from './LegHandlers.ts';
import { WeriftMediaTap } from './MediaTap.ts';
import type { PortAllocator } from './rtp/PortAllocator.ts';
import type { RtpFrame } from './rtp/RtpFrame.ts';
import { SipLeg } from './SipLeg.ts';
import { WebRtcLeg } from './WebRtcLeg.ts';
import type { ResolvedRelayOptions } from './WeriftRelayOptions.ts';

/** RFC 4733 §2.5.1.2: update packets every 50 ms; the end packet is sent three times (§2.5.1.4). */
const DTMF_UPDATE_MS = 50;
const DTMF_END_REPEATS = 3;

export class WeriftMediaSession implements MediaSession {
  readonly id: string;
  readonly sip: SipLeg;
  readonly webrtc: WebRtcLeg;
  readonly #events = new Subject<MediaSessionEvent>();
  readonly #options: MediaSessionOptions;
  readonly #relay: ResolvedRelayOptions;
  readonly #onClose: (session: WeriftMediaSession) => void;
  readonly #taps = { sip: new Set<WeriftMediaTap>(), webrtc: new Set<WeriftMediaTap>() };
  readonly #dtmf = { sip: new TelephoneEventDeduplicator(), webrtc: new TelephoneEventDeduplicator() };
  readonly #lastReceivedMs = { sip: 0, webrtc: 0 };
  readonly #timedOut = { sip: false, webrtc: false };
  readonly #dtmfSenders = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #toWebRtc: AudioRoute | undefined;
  #toSip: AudioRoute | undefined;
  #statsTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    options: MediaSessionOptions,
    relay: ResolvedRelayOptions,
    ports: PortAllocator,
    onClose: (session: WeriftMediaSession) => void,
  ) {
    this.id = options.callId;
    this.#options = options;
    this.#relay = relay;
    this.#onClose = onClose;
    this.sip = new SipLeg(
      {
        bindAddress: relay.bindAddress,
        advertisedAddress: relay.advertisedAddress,
        ports,
        audioCodecs: relay.audioCodecs,
        videoCodecs: relay.videoCodecs,
        ptimeMs: relay.ptimeMs,
        rtcpIntervalMs: relay.rtcpIntervalMs,
        srtp: relay.srtp,
        relatchAfterMs: 1000,
      },
      this.#handlers('sip'),
    );
    this.webrtc = new WebRtcLeg(
      {
        bindAddress: relay.bindAddress,
        hostAddresses: relay.iceHostAddresses,
        iceServers: relay.iceServers,
        icePortRange: relay.icePortRange,
        iceLite: relay.iceLite,
        audioCodecs: relay.audioCodecs,
        videoCodecs: relay.videoCodecs,
      },
      this.#handlers('webrtc'),
    );
    const interval = options.statsIntervalMs ?? relay.statsIntervalMs;
    if (interval > 0) this.#statsTimer = setInterval(() => void this.#periodic(), interval);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get events$(): Observable<MediaSessionEvent> {
    return this.#events.asObservable();
  }

  /** Whether audio is currently transcoded (per direction), for logs and tests. */
  get transcoding(): { toSip: boolean; toWebRtc: boolean } {
    return { toSip: this.#toSip?.transcoding ?? false, toWebRtc: this.#toWebRtc?.transcoding ?? false };
  }

  async sendDtmf(leg: MediaLegName, digit: string, durationMs = 160): Promise<void> {
    if (this.#closed) throw new MediaClosedError('media session');
    const event = digitToEvent(digit);
    const target = leg === 'sip' ? this.sip : this.webrtc;
    const telephoneEvent = target.audio?.telephoneEvent;
    const stream = target.outboundStream;
    if (!telephoneEvent || !stream)
      throw new UnsupportedMediaError(`${leg}: telephone-event was not negotiated`);
    const clock = telephoneEvent.clockRate;
    const step = Math.round((clock * DTMF_UPDATE_MS) / 1000);
    const total = Math.max(step, Math.round((clock * durationMs) / 1000));
    const timestamp = stream.beginLocalEvent(performance.now());
    let duration = 0;
    await new Promise<void>((resolve) => {
      const sender = { timer: undefined as unknown as NodeJS.Timeout, resolve };
      const tick = (): void => {
        duration = Math.min(total, duration + step);
        const end = duration >= total;
        for (let i = 0; i < (end ? DTMF_END_REPEATS : 1); i++) {
          target.sendRaw({
            payloadType: telephoneEvent.payloadType,
            sequenceNumber: stream.nextLocalSequence(),
            timestamp,
            ssrc: stream.ssrc,
            marker: duration === step,
            payload: serializeTelephoneEvent({ event, end, volume: 10, duration }),
          });
        }
        if (end) {
          clearInterval(sender.timer);
          this.#dtmfSenders.delete(sender);
          resolve();
        }
      };
      sender.timer = setInterval(tick, DTMF_UPDATE_MS);
      this.#dtmfSenders.add(sender);
      tick();
    });
  }

  /**
   * Asks a leg's video sender for a keyframe: `'sip'` when the SIP adapter got nothing better than our RTCP (the
   * relay already sends PLI+FIR), `'webrtc'` when a phone asked by SIP INFO `picture_fast_update`. Not in the core's
   * port yet.
   */
  requestKeyframe(from: MediaLegName): void {
    if (this.#closed) throw new MediaClosedError('media session');
    (from === 'sip' ? this.sip : this.webrtc).requestKeyframe();
  }

  tap(leg: MediaLegName, options?: MediaTapOptions): MediaTap {
    if (this.#closed) throw new MediaClosedError('media session');
    const taps = this.#taps[leg];
    const tap = new WeriftMediaTap(options?.kind, options?.bufferPackets ?? 500, (closed) =>
      taps.delete(closed),
    );
    taps.add(tap);
    return tap;
  }

  stats(): MediaSessionStats {
    return { sip: this.sip.legStats(), webrtc: this.webrtc.legStats() };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    this.#statsTimer = undefined;
    for (const sender of this.#dtmfSenders) {
      clearInterval(sender.timer);
      sender.resolve();
    }
    this.#dtmfSenders.clear();
    for (const tap of [...this.#taps.sip, ...this.#taps.webrtc]) await tap.close();
    this.#toSip = undefined;
    this.#toWebRtc = undefined;
    await Promise.all([this.sip.close(), this.webrtc.close()]);
    // A dgram socket emits 'close' before libuv has released its handle; one turn of the loop later it is gone.
    await new Promise((resolve) => setImmediate(resolve));
    const stats = this.stats();
    this.#events.next({ type: 'stats', stats, final: true });
    this.#events.next({ type: 'closed', stats });
    this.#events.complete();
    this.#onClose(this);
  }

  #handlers(leg: MediaLegName): LegHandlers {
    const other = (): SipLeg | WebRtcLeg => (leg === 'sip' ? this.webrtc : this.sip);
    return {
      audio: (frame, nowMs) => {
        this.#lastReceivedMs[leg] = nowMs;
        const taps = this.#taps[leg];
        if (taps.size > 0) this.#offerToTaps(taps, leg, frame, nowMs);
        (leg === 'sip' ? this.#toWebRtc : this.#toSip)?.audio(frame, nowMs);
      },
      telephoneEvent: (frame, clockRate, nowMs) => {
        this.#lastReceivedMs[leg] = nowMs;
        const event = parseTelephoneEvent(frame.payload);
        if (!event) return;
        const digit = this.#dtmf[leg].accept(frame.ssrc, frame.timestamp, event);
        if (digit)
          this.#events.next({
            type: 'dtmf',
            leg,
            digit,
            durationMs: Math.round((event.duration * 1000) / clockRate),
          });
        const destination = other().audio?.telephoneEvent;
        if (destination)
          (leg === 'sip' ? this.#toWebRtc : this.#toSip)?.telephoneEvent(
            frame,
            clockRate,
            destination.clockRate,
            nowMs,
          );
      },
      video: (frame, nowMs) => {
        const source = leg === 'sip' ? this.sip : this.webrtc;
        const destination = other();
        // Video is forwarded only between identical codecs; there is no video transcoding.
        if (!source.videoCodec || source.videoCodec !== destination.videoCodec) return;
        if (frame.ssrc !== this.#videoSources[leg]) {
          // A new source: the far decoder may join mid-GOP, so ask this source for a keyframe right away.
          this.#videoSources[leg] = frame.ssrc;
          source.requestKeyframe();
        }
        const taps = this.#taps[leg];
        if (taps.size > 0) this.#offerToTaps(taps, leg, frame, nowMs, 'video');
        destination.sendVideo(
          frame.ssrc,
          frame.sequenceNumber,
          frame.timestamp,
          frame.marker,
          frame.payload,
          nowMs,
        );
      },
      keyframeRequested: () => {
        this.#events.next({ type: 'keyframe-requested', by: leg });
        other().requestKeyframe();
      },
      negotiated: () => this.#rebuildRoutes(),
      preferredAudioCodec: () => other().audioCodec,
      preferredVideoCodec: () => other().videoCodec,
    };
  }

  #rebuildRoutes(): void {
    const sip = this.sip.audio;
    const webrtc = this.webrtc.audio;
    if (!sip || !webrtc) {
      this.#toSip = undefined;
      this.#toWebRtc = undefined;
      return;
    }
    const same = sip.codec === webrtc.codec;
    // Routes keep codec state (Opus, G.722 predictors): rebuild only when the codec pair really changed.
    if (!this.#toSip || this.#routeKey !== `${sip.codec}/${sip.ptimeMs}>${webrtc.codec}`) {
      this.#routeKey = `${sip.codec}/${sip.ptimeMs}>${webrtc.codec}`;
      this.#toSip = same ? new ForwardRoute(this.sip) : new TranscodeRoute(webrtc, sip, this.sip);
      this.#toWebRtc = same ? new ForwardRoute(this.webrtc) : new TranscodeRoute(sip, webrtc, this.webrtc);
      this.#options.logger.debug(
        { callId: this.id, sip: sip.codec, webrtc: webrtc.codec, transcoding: !same },
        'media routes',
      );
    }
  }

  #routeKey = '';
  /** The SSRC each leg's video currently comes from; a change triggers a keyframe request. */
  readonly #videoSources = { sip: -1, webrtc: -1 };

  #offerToTaps(
    taps: Set<WeriftMediaTap>,
    leg: MediaLegName,
    frame: RtpFrame,
    nowMs: number,
    kind: 'audio' | 'video' = 'audio',
  ): void {
    const endpoint = leg === 'sip' ? this.sip : this.webrtc;
    const audio = endpoint.audio;
    const packet: MediaPacket = {
      kind,
      codec: kind === 'video' ? (endpoint.videoCodec ?? 'unknown') : (audio?.codec ?? 'unknown'),
      clockRate: kind === 'video' ? 90000 : (audio?.clockRate ?? 8000),
      payloadType: frame.payloadType,
      sequenceNumber: frame.sequenceNumber,
      timestamp: frame.timestamp,
      ssrc: frame.ssrc,
      marker: frame.marker,
      payload: frame.payload,
      receivedAt: nowMs,
    };
    for (const tap of taps) tap.offer(packet);
  }

  async #periodic(): Promise<void> {
    await this.webrtc.refreshRtt().catch(() => undefined);
    if (this.#closed) return;
    this.#events.next({ type: 'stats', stats: this.stats(), final: false });
    const timeout = this.#relay.mediaTimeoutMs;
    if (timeout <= 0) return;
    const now = performance.now();
    for (const leg of ['sip', 'webrtc'] as const) {
      const endpoint = leg === 'sip' ? this.sip : this.webrtc;
      const receiving =
        endpoint.audio !== undefined &&
        (leg === 'webrtc' || this.sip.direction === 'sendrecv' || this.sip.direction === 'recvonly');
      const last = this.#lastReceivedMs[leg];
      const silentMs = now - last;
      if (receiving && last > 0 && silentMs > timeout) {
        if (!this.#timedOut[leg])
          this.#events.next({ type: 'media-timeout', leg, silentMs: Math.round(silentMs) });
        this.#timedOut[leg] = true;
      } else {
        this.#timedOut[leg] = false;
      }
    }
  }
}
