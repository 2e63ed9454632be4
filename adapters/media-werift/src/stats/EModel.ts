// A MOS estimate from the ITU-T G.107 E-model, simplified as in G.107 Annex/G.113 practice for VoIP monitoring:
// default impairments, a delay term from one-way delay, and the codec's packet-loss robustness.

/** Equipment impairment Ie and packet-loss robustness Bpl per codec (ITU-T G.113 Appendix I, with PLC). */
const CODEC_IMPAIRMENT: Readonly<Record<string, { ie: number; bpl: number }>> = {
  PCMU: { ie: 0, bpl: 25.1 },
  PCMA: { ie: 0, bpl: 25.1 },
  G722: { ie: 0, bpl: 25.1 },
  opus: { ie: 0, bpl: 30 },
};

/**
 * @param oneWayDelayMs mouth-to-ear delay estimate (half the RTT plus jitter buffering)
 * @param lossPercent packet loss 0..100, assumed random (BurstR = 1)
 */
export function estimateMos(codec: string | undefined, oneWayDelayMs: number, lossPercent: number): number {
  const { ie, bpl } = CODEC_IMPAIRMENT[codec ?? ''] ?? { ie: 0, bpl: 20 };
  const d = Math.max(0, oneWayDelayMs);
  // Delay impairment Id, the common simplification of G.107's Idd for d > 177.3 ms.
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  const ieEff = ie + ((95 - ie) * lossPercent) / (lossPercent + bpl);
  const r = 93.2 - id - ieEff;
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return Math.min(4.5, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
}
