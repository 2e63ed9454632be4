// Audio helpers for SIP tests: G.711 u-law both ways, a Goertzel tone detector, and 8 kHz mono WAV files.
import { readFileSync, writeFileSync } from 'node:fs';

export function linearToUlaw(sample: number): number {
  const bias = 0x84;
  const clip = 32635;
  let value = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = value < 0 ? 0x80 : 0;
  if (sign) value = -value;
  if (value > clip) value = clip;
  value += bias;
  let exponent = 7;
  for (let mask = 0x4000; (value & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
  const mantissa = (value >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function ulawToLinear(byte: number): number {
  const value = ~byte & 0xff;
  const sign = value & 0x80;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

/**
 * Share of a block's energy that sits at `hz` (Goertzel, normalised): about 1 for a pure tone at that
 * frequency, near 0 for silence, noise or another tone.
 */
export function toneShare(samples: ArrayLike<number>, hz: number, sampleRate = 8000): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  let energy = 0;
  for (let index = 0; index < n; index++) {
    const sample = samples[index] as number;
    energy += sample * sample;
    const current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  if (energy === 0) return 0;
  const power =
    previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  return (2 * power) / n / energy;
}

/** How many 100 ms blocks of `samples` carry the tone (share above `threshold`). */
export function toneBlocks(
  samples: Int16Array | number[],
  hz: number,
  threshold = 0.6,
  sampleRate = 8000,
): number {
  const block = sampleRate / 10;
  let count = 0;
  for (let start = 0; start + block <= samples.length; start += block) {
    const slice = samples.slice(start, start + block);
    let loud = false;
    for (const sample of slice) if (Math.abs(sample) > 300) loud = true;
    if (loud && toneShare(slice, hz, sampleRate) > threshold) count++;
  }
  return count;
}

export function writeToneWav(path: string, hz: number, seconds: number, amplitude = 12000): void {
  const sampleRate = 8000;
  const count = sampleRate * seconds;
  const data = Buffer.alloc(count * 2);
  for (let index = 0; index < count; index++) {
    data.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * index) / sampleRate)), index * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/** Samples of a 16-bit PCM mono WAV file (walks the chunks, so extra chunks are fine). */
export function readWavSamples(path: string): Int16Array {
  const file = readFileSync(path);
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    if (id === 'data') {
      // A recording still open (or closed uncleanly) may say 0 or 0xffffffff: read to the end then.
      const end = size === 0 || offset + 8 + size > file.length ? file.length : offset + 8 + size;
      const samples = new Int16Array((end - offset - 8) >> 1);
      for (let index = 0; index < samples.length; index++)
        samples[index] = file.readInt16LE(offset + 8 + index * 2);
      return samples;
    }
    offset += 8 + size + (size & 1);
  }
  return new Int16Array(0);
}
