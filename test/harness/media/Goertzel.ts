// Tone detection for tests: the share of a block's energy at one frequency (Goertzel), ≈1 for a pure tone there.

export function toneRatio(samples: ArrayLike<number>, frequency: number, sampleRate: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i] as number;
    energy += x * x;
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  if (energy === 0) return 0;
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return power / ((n / 2) * energy);
}

/** The same function as source text, for injection into the browser page. */
export const toneRatioSource = toneRatio.toString();
