// What a leg tells its session: media it received, and that its negotiated state changed. Plain callbacks, not
// streams: this is the forwarding path, and it must not allocate a notification per packet.

import type { AudioCodecName, VideoCodecName } from '@cubebridge/codecs';
import type { RtpFrame } from './rtp/RtpFrame.ts';

export interface NegotiatedAudio {
  readonly codec: AudioCodecName;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly ptimeMs: number;
  /** telephone-event payload type and clock, when negotiated. */
  readonly telephoneEvent: { readonly payloadType: number; readonly clockRate: number } | undefined;
}

export interface LegHandlers {
  audio(frame: RtpFrame, nowMs: number): void;
  telephoneEvent(frame: RtpFrame, clockRate: number, nowMs: number): void;
  video(frame: RtpFrame, nowMs: number): void;
  /** The far end of this leg asked for a keyframe (PLI/FIR): the session asks the other leg's sender for one. */
  keyframeRequested(): void;
  /** Negotiation finished (or changed): routes must be rebuilt. */
  negotiated(): void;
  /** The codec the other leg uses or is being offered, so this leg can prefer it and avoid transcoding. */
  preferredAudioCodec(): AudioCodecName | undefined;
  preferredVideoCodec(): VideoCodecName | undefined;
}
