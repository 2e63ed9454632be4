// Where a SIP peer wants its RTP and RTCP, from its SDP media section: RFC 3605 `a=rtcp`, else the next port up.

import type { SdpMedia } from './SipSdp.ts';

export interface RemoteEndpoint {
  readonly address: string;
  readonly port: number;
  readonly rtcpAddress: string;
  readonly rtcpPort: number;
}

export function remoteEndpoint(media: SdpMedia): RemoteEndpoint {
  return {
    address: media.address,
    port: media.port,
    rtcpAddress: media.rtcpAddress ?? media.address,
    rtcpPort: media.rtcpPort ?? media.port + 1,
  };
}

/** Whether RTP still goes to the same place; when not (transfer, re-INVITE to another media server), forget the latch. */
export function sameRtpAddress(
  previous: RemoteEndpoint | undefined,
  next: RemoteEndpoint | undefined,
): boolean {
  return (
    previous !== undefined &&
    next !== undefined &&
    previous.address === next.address &&
    previous.port === next.port
  );
}
