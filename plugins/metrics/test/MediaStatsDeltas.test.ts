import type { LegStats } from '@cubebridge/core';
import { describe, expect, it } from 'vitest';
import { MediaStatsDeltas } from '../src/MediaStatsDeltas.ts';

function leg(packetsReceived: number, packetsLost = 0, packetsSent = packetsReceived): LegStats {
  return {
    packetsSent,
    packetsReceived,
    bytesSent: packetsSent * 160,
    bytesReceived: packetsReceived * 160,
    lossFraction: 0,
    packetsLost,
    jitterMs: 1,
    rttMs: undefined,
    mos: undefined,
    codec: 'PCMU',
  };
}

describe('MediaStatsDeltas', () => {
  it('turns cumulative reports into increments, per call and per leg', () => {
    const deltas = new MediaStatsDeltas();
    expect(deltas.next('a', { sip: leg(100), webrtc: leg(90) }, false)).toMatchObject({
      sip: { packetsReceived: 100, bytesReceived: 16_000 },
      webrtc: { packetsReceived: 90 },
    });
    expect(deltas.next('b', { sip: leg(10), webrtc: leg(0) }, false).sip.packetsReceived).toBe(10);
    expect(deltas.next('a', { sip: leg(250), webrtc: leg(240) }, false)).toMatchObject({
      sip: { packetsReceived: 150, bytesSent: 150 * 160 },
      webrtc: { packetsReceived: 150 },
    });
    expect(deltas.tracked).toBe(2);
  });

  it('counts lost packets exactly when the lost figure falls and rises again (late arrivals)', () => {
    const deltas = new MediaStatsDeltas();
    const lost = (n: number) =>
      deltas.next('a', { sip: leg(100, n), webrtc: leg(100) }, false).sip.packetsLost;
    expect([lost(5), lost(3), lost(5), lost(8)]).toEqual([5, 0, 0, 3]);
  });

  it('forgets a call after its final report, or when told', () => {
    const deltas = new MediaStatsDeltas();
    deltas.next('a', { sip: leg(100), webrtc: leg(100) }, false);
    expect(deltas.next('a', { sip: leg(120), webrtc: leg(100) }, true).sip.packetsReceived).toBe(20);
    deltas.next('b', { sip: leg(1), webrtc: leg(1) }, false);
    deltas.forget('b');
    expect(deltas.tracked).toBe(0);
  });
});
