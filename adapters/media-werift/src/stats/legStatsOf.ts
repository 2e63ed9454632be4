// The statistics a leg reports through the port, the same for both legs: what we sent, what we received, and an
// E-model MOS from the receive side.

import type { LegStats } from '@cubebridge/core';
import type { AudioCodecName } from '@cubebridge/codecs';
import { estimateMos } from './EModel.ts';
import type { ReceiveStatistics } from './ReceiveStatistics.ts';

export function legStatsOf(
  receive: ReceiveStatistics,
  packetsSent: number,
  bytesSent: number,
  rttMs: number | undefined,
  codec: AudioCodecName | undefined,
): LegStats {
  return {
    packetsSent,
    packetsReceived: receive.packets,
    bytesSent,
    bytesReceived: receive.bytes,
    lossFraction: receive.lossFraction,
    packetsLost: receive.lost,
    jitterMs: receive.jitterMs,
    rttMs,
    mos:
      receive.packets > 0
        ? estimateMos(codec, (rttMs ?? 0) / 2 + receive.jitterMs * 2 + 20, receive.lossFraction * 100)
        : undefined,
    codec,
  };
}
