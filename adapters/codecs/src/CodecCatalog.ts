// The audio codecs CubeBridge knows, how they are named in SDP, their static payload types and clock rates.

export type AudioCodecName = 'opus' | 'G722' | 'PCMU' | 'PCMA';

export interface CodecDescription {
  /** Name as in SDP rtpmap, canonical case (`opus`, `PCMU`, `telephone-event`). */
  readonly name: string;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp?: string;
}

/** RTP payload types with a static meaning (RFC 3551); an offer may list them without rtpmap. */
export const staticPayloadTypes: ReadonlyMap<number, CodecDescription> = new Map([
  [0, { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 }],
  [8, { name: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1 }],
  [9, { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 }],
]);

/** The audio codecs we can send and receive on the SIP leg, with the payload types we offer. */
export const sipAudioCodecs: Readonly<Record<AudioCodecName, CodecDescription>> = {
  opus: { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
  G722: { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 },
  PCMU: { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
  PCMA: { name: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1 },
};

export const TELEPHONE_EVENT = 'telephone-event';

/** Case-insensitive codec name to the catalogue's name, or undefined when we do not handle it. */
export function audioCodecName(name: string): AudioCodecName | undefined {
  const lower = name.toLowerCase();
  if (lower === 'opus') return 'opus';
  if (lower === 'g722') return 'G722';
  if (lower === 'pcmu') return 'PCMU';
  if (lower === 'pcma') return 'PCMA';
  return undefined;
}

/** Samples per second of the audio itself (G.722 runs at 16 kHz under an 8000 Hz RTP clock, RFC 3551 §4.5.2). */
export function sampleRate(codec: AudioCodecName): 8000 | 16000 | 48000 {
  return codec === 'opus' ? 48000 : codec === 'G722' ? 16000 : 8000;
}

export function rtpClockRate(codec: AudioCodecName): number {
  return codec === 'opus' ? 48000 : 8000;
}

export type VideoCodecName = 'VP8' | 'H264' | 'VP9';

/** The video codecs we forward (never transcode) on the SIP leg, with the payload types we offer. */
export const sipVideoCodecs: Readonly<Record<VideoCodecName, CodecDescription>> = {
  VP8: { name: 'VP8', payloadType: 96, clockRate: 90000, channels: 1 },
  VP9: { name: 'VP9', payloadType: 98, clockRate: 90000, channels: 1 },
  H264: {
    name: 'H264',
    payloadType: 97,
    clockRate: 90000,
    channels: 1,
    fmtp: 'profile-level-id=42e01f;packetization-mode=1',
  },
};

export function videoCodecName(name: string): VideoCodecName | undefined {
  const upper = name.toUpperCase();
  return upper === 'VP8' || upper === 'H264' || upper === 'VP9' ? upper : undefined;
}
