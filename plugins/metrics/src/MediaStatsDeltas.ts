// `call.media-stats` carries cumulative per-call figures; Prometheus counters want increments. This keeps, per
// call, how much of each figure has been counted already and hands out only what grew beyond it; a call is
// forgotten after its final report.
import type { LegStats, MediaSessionStats } from '@cubebridge/core';

export type LegName = keyof MediaSessionStats;

export interface LegCounts {
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly packetsLost: number;
}

const countedKeys = ['packetsSent', 'packetsReceived', 'bytesSent', 'bytesReceived', 'packetsLost'] as const;
const nothingYet: LegCounts = {
  packetsSent: 0,
  packetsReceived: 0,
  bytesSent: 0,
  bytesReceived: 0,
  packetsLost: 0,
};

export class MediaStatsDeltas {
  readonly #counted = new Map<string, Record<LegName, LegCounts>>();

  /** What each leg's figures grew by beyond what was already counted for this call. */
  next(callId: string, stats: MediaSessionStats, final: boolean): Record<LegName, LegCounts> {
    const counted = this.#counted.get(callId) ?? { sip: nothingYet, webrtc: nothingYet };
    const sip = growth(stats.sip, counted.sip);
    const webrtc = growth(stats.webrtc, counted.webrtc);
    if (final) this.#counted.delete(callId);
    else
      this.#counted.set(callId, {
        sip: highWater(stats.sip, counted.sip),
        webrtc: highWater(stats.webrtc, counted.webrtc),
      });
    return { sip, webrtc };
  }

  /** A call that ended without a final report (its media never started, say). */
  forget(callId: string): void {
    this.#counted.delete(callId);
  }

  get tracked(): number {
    return this.#counted.size;
  }
}

// A packet counted lost can arrive late, so the lost figure may fall and rise again: counting against the
// highest value seen (not the previous report) keeps the counter exact and never negative.
function growth(now: LegStats, counted: LegCounts): LegCounts {
  return Object.fromEntries(
    countedKeys.map((key) => [key, Math.max(0, now[key] - counted[key])]),
  ) as unknown as LegCounts;
}

function highWater(now: LegStats, counted: LegCounts): LegCounts {
  return Object.fromEntries(
    countedKeys.map((key) => [key, Math.max(now[key], counted[key])]),
  ) as unknown as LegCounts;
}
