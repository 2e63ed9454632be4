// Codec math: G.711 against its own inverse, G.722 bit-exact against ffmpeg's encoder and decoder (the reference
// output we have here).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alawToLinear,
  decodeG711,
  encodeG711,
  linearToAlaw,
  linearToMulaw,
  mulawToLinear,
} from '../src/G711.ts';
import { G722Decoder, G722Encoder } from '../src/G722.ts';

/** Deterministic test signal: a sweep, two tones and pseudo-random noise, 16 kHz. */
function testSignal(samples: number): Int16Array {
  const pcm = new Int16Array(samples);
  let seed = 12345;
  for (let i = 0; i < samples; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const t = i / 16000;
    const sweep = Math.sin(2 * Math.PI * (200 + 3000 * (t / (samples / 16000))) * t);
    const tones = 0.5 * Math.sin(2 * Math.PI * 1200 * t) + 0.3 * Math.sin(2 * Math.PI * 5500 * t);
    const noise = (seed / 0x7fffffff - 0.5) * 0.4;
    pcm[i] = Math.round(Math.max(-1, Math.min(1, (sweep + tones + noise) * 0.45)) * 32767);
  }
  return pcm;
}

describe('G.711', () => {
  it('μ-law and A-law codes survive decode → encode unchanged (all 256 codes)', () => {
    for (let code = 0; code < 256; code++) {
      // 0x7f and 0xff are both zero in μ-law; the encoder picks the positive one.
      if (code !== 0x7f) expect(linearToMulaw(mulawToLinear(code))).toBe(code);
      expect(linearToAlaw(alawToLinear(code))).toBe(code);
    }
  });

  it('keeps a 1 kHz tone within the companding error', () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) =>
      Math.round(Math.sin((2 * Math.PI * 1000 * i) / 8000) * 12000),
    );
    for (const law of ['PCMU', 'PCMA'] as const) {
      const back = decodeG711(law, encodeG711(law, pcm));
      for (let i = 0; i < pcm.length; i++)
        expect(Math.abs((back[i] as number) - (pcm[i] as number))).toBeLessThan(400);
    }
  });
});

describe('G.722', () => {
  it('encodes and decodes bit-exactly like ffmpeg', () => {
    const dir = mkdtempSync(join(tmpdir(), 'g722-'));
    try {
      const pcm = testSignal(16000 * 3);
      writeFileSync(join(dir, 'in.raw'), Buffer.from(pcm.buffer));
      const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
      ffmpeg(
        '-f',
        's16le',
        '-ar',
        '16000',
        '-ac',
        '1',
        '-i',
        join(dir, 'in.raw'),
        '-c:a',
        'g722',
        '-f',
        'g722',
        join(dir, 'ref.g722'),
      );
      ffmpeg('-f', 'g722', '-i', join(dir, 'ref.g722'), '-f', 's16le', join(dir, 'ref.raw'));
      const reference = readFileSync(join(dir, 'ref.g722'));
      const referenceDecoded = readFileSync(join(dir, 'ref.raw'));

      // Frame by frame (20 ms = 320 samples), as the relay calls it: state must carry across frames.
      const encoder = new G722Encoder();
      const encoded = Buffer.concat(
        Array.from({ length: pcm.length / 320 }, (_, f) =>
          encoder.encode(pcm.subarray(f * 320, (f + 1) * 320)),
        ),
      );
      expect(encoded.length).toBe(reference.length);
      expect(encoded.equals(reference)).toBe(true);

      const decoder = new G722Decoder();
      const decoded = Buffer.concat(
        Array.from({ length: reference.length / 160 }, (_, f) => {
          const out = decoder.decode(reference.subarray(f * 160, (f + 1) * 160));
          return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
        }),
      );
      expect(decoded.length).toBe(referenceDecoded.length);
      expect(decoded.equals(referenceDecoded)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
