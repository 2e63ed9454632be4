// The media relay port: one MediaSession per call, bridging a SIP leg (RTP/SRTP) and a WebRTC leg.
import type { Observable } from 'rxjs';
import type { AdapterContext, Closable, MediaKinds } from './common.ts';
import type { Logger } from '../logging/Logger.ts';

export interface MediaRelay {
  /** Package or profile name, for logs and `/health`. */
  readonly name: string;
  start(context: AdapterContext): Promise<void>;
  stop(): Promise<void>;
  createSession(options: MediaSessionOptions): Promise<MediaSession>;
}

export interface MediaSessionOptions {
  readonly callId: string;
  readonly logger: Logger;
  /** How often `stats` events are produced; 0 turns periodic stats off (final totals are still reported). */
  readonly statsIntervalMs?: number;
}

/**
 * The SDP side of one leg. Both roles are supported: offerer (`createOffer` then `setRemoteAnswer`)
 * and answerer (`setRemoteOffer` then `createAnswer`). Re-offers (re-INVITE, hold, ICE restart) go
 * through the same calls during the session.
 */
export interface SdpEndpoint {
  createOffer(options?: OfferOptions): Promise<string>;
  setRemoteAnswer(sdp: string): Promise<void>;
  setRemoteOffer(sdp: string): Promise<void>;
  createAnswer(): Promise<string>;
  /** What the negotiated session carries; undefined before negotiation. */
  readonly negotiated: MediaKinds | undefined;
}

export interface OfferOptions {
  readonly kinds?: MediaKinds;
  /** SIP hold: offer `sendonly` (or `inactive` when the remote already holds). */
  readonly hold?: boolean;
}

/** The SIP side: RTP/AVP or SDES-SRTP over UDP, with symmetric latching. */
export interface SipMediaEndpoint extends SdpEndpoint {
  readonly kind: 'sip';
  /**
   * The relay wants a keyframe from the phone: besides RTCP PLI/FIR, the SIP adapter sends SIP INFO
   * `picture_fast_update` for phones without RTCP feedback.
   */
  readonly keyframeRequests$: Observable<void>;
  /** The phone asked for a keyframe out of band (SIP INFO `picture_fast_update`): ask the WebRTC sender for one. */
  keyframeRequestedByPeer(): void;
}

/** The WebRTC side: ICE + DTLS-SRTP on a werift (or other) peer connection. */
export interface WebRtcMediaEndpoint extends SdpEndpoint {
  readonly kind: 'webrtc';
  /** Local ICE candidates as they are gathered; `null` marks the end of gathering. */
  readonly localCandidates$: Observable<IceCandidate | null>;
  addRemoteCandidate(candidate: IceCandidate): Promise<void>;
}

export interface IceCandidate {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
}

export type MediaLegName = 'sip' | 'webrtc';

export interface MediaSession extends Closable {
  readonly id: string;
  readonly sip: SipMediaEndpoint;
  readonly webrtc: WebRtcMediaEndpoint;
  /** Observation only: DTMF heard, periodic stats, keyframe requests, close. */
  readonly events$: Observable<MediaSessionEvent>;
  /** Send a DTMF digit as RFC 4733 telephone-event on one leg. */
  sendDtmf(leg: MediaLegName, digit: string, durationMs?: number): Promise<void>;
  /**
   * Receive a leg's media without slowing forwarding: packets are copied to the tap on a best-effort basis
   * and dropped (counted in `dropped`) when the tap's consumer falls behind.
   */
  tap(leg: MediaLegName, options?: MediaTapOptions): MediaTap;
  /** Latest stats for both legs. */
  stats(): MediaSessionStats;
  /**
   * Ask a leg's sender for a keyframe (RTCP PLI/FIR, or on the SIP side `keyframeRequests$` for a SIP INFO
   * `picture_fast_update` when the phone has no RTCP feedback). The SIP adapter calls it for an incoming
   * `picture_fast_update`.
   */
  requestKeyframe(from: MediaLegName): void;
}

export interface MediaTapOptions {
  readonly kind?: 'audio' | 'video';
  /** How many packets may wait for the consumer before new ones are dropped. */
  readonly bufferPackets?: number;
}

export interface MediaTap extends Closable {
  readonly packets$: Observable<MediaPacket>;
  readonly dropped: number;
}

export interface MediaPacket {
  readonly kind: 'audio' | 'video';
  /** Codec name as in SDP rtpmap (`PCMU`, `opus`, `VP8`). */
  readonly codec: string;
  readonly clockRate: number;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly marker: boolean;
  readonly payload: Uint8Array;
  /** `performance.now()` when the packet arrived. */
  readonly receivedAt: number;
}

export interface LegStats {
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Fraction 0..1 of packets lost as seen from our receiver. */
  readonly lossFraction: number;
  readonly packetsLost: number;
  readonly jitterMs: number;
  /** From RTCP SR/RR round trips; undefined until measured. */
  readonly rttMs: number | undefined;
  /** E-model estimate (ITU-T G.107), 1..4.5. */
  readonly mos: number | undefined;
  readonly codec: string | undefined;
}

export interface MediaSessionStats {
  readonly sip: LegStats;
  readonly webrtc: LegStats;
}

export type MediaSessionEvent =
  | { readonly type: 'dtmf'; readonly leg: MediaLegName; readonly digit: string; readonly durationMs: number }
  | { readonly type: 'stats'; readonly stats: MediaSessionStats; readonly final: boolean }
  | { readonly type: 'keyframe-requested'; readonly by: MediaLegName }
  | { readonly type: 'media-timeout'; readonly leg: MediaLegName; readonly silentMs: number }
  | { readonly type: 'closed'; readonly stats: MediaSessionStats };
