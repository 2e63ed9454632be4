// Options of `weriftRelay()`, with the defaults that make a relay usable on one host out of the box.

import type { AudioCodecName, VideoCodecName } from '@cubebridge/codecs';
import type { SrtpMode } from './srtp/SdesNegotiator.ts';

export interface WeriftRelayOptions {
  /** Address the RTP sockets and ICE bind to. Default 127.0.0.1 (tests); use 0.0.0.0 or a NIC address in production. */
  readonly bindAddress?: string;
  /** Address written into SIP SDP (c=/o=); defaults to `bindAddress` (or 127.0.0.1 when that is 0.0.0.0). */
  readonly advertisedAddress?: string;
  /** Inclusive RTP port range for the SIP leg; each session takes an even port and the next one for RTCP. */
  readonly rtpPorts?: readonly [number, number];
  /** ICE servers for the WebRTC leg. */
  readonly iceServers?: readonly { urls: string; username?: string; credential?: string }[];
  /** Extra host candidates for the WebRTC leg (e.g. the public address of a 1:1 NAT). */
  readonly iceHostAddresses?: readonly string[];
  readonly icePortRange?: readonly [number, number];
  /** Act as ICE-lite on the WebRTC leg (a gateway on a public address). */
  readonly iceLite?: boolean;
  /** Audio codecs in preference order, for both legs. Default opus, G722, PCMU, PCMA. */
  readonly audioCodecs?: readonly AudioCodecName[];
  /** Video codecs forwarded (never transcoded) between the legs, in preference order. Default VP8, H264, VP9; [] disables video. */
  readonly videoCodecs?: readonly VideoCodecName[];
  /** Packetization we ask for on the SIP leg. Default 20. */
  readonly ptimeMs?: number;
  /** SDES-SRTP on the SIP leg: `off`, `optional` (accept RTP/SAVP offers) or `required`. Default `optional`. */
  readonly srtp?: SrtpMode;
  /** RTCP report interval on the SIP leg. Default 5000. */
  readonly rtcpIntervalMs?: number;
  /** Default periodic stats interval when a session does not set one. Default 5000. */
  readonly statsIntervalMs?: number;
  /** A leg that should receive and hears nothing this long raises `media-timeout`. Default 30000; 0 disables. */
  readonly mediaTimeoutMs?: number;
}

export interface ResolvedRelayOptions extends Required<Omit<WeriftRelayOptions, 'icePortRange'>> {
  readonly icePortRange: readonly [number, number] | undefined;
}

export function resolveOptions(options: WeriftRelayOptions): ResolvedRelayOptions {
  const bindAddress = options.bindAddress ?? '127.0.0.1';
  return {
    bindAddress,
    advertisedAddress: options.advertisedAddress ?? (bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress),
    rtpPorts: options.rtpPorts ?? [20000, 29999],
    iceServers: options.iceServers ?? [],
    iceHostAddresses: options.iceHostAddresses ?? [],
    icePortRange: options.icePortRange,
    iceLite: options.iceLite ?? false,
    audioCodecs: options.audioCodecs ?? ['opus', 'G722', 'PCMU', 'PCMA'],
    videoCodecs: options.videoCodecs ?? ['VP8', 'H264', 'VP9'],
    ptimeMs: options.ptimeMs ?? 20,
    srtp: options.srtp ?? 'optional',
    rtcpIntervalMs: options.rtcpIntervalMs ?? 5000,
    statsIntervalMs: options.statsIntervalMs ?? 5000,
    mediaTimeoutMs: options.mediaTimeoutMs ?? 30000,
  };
}
