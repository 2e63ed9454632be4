// The outgoing stream stays continuous whatever the source does.

import { describe, expect, it } from 'vitest';
import { StreamRewriter } from '../src/rtp/StreamRewriter.ts';

describe('StreamRewriter', () => {
  function run(rewriter: StreamRewriter, packets: [ssrc: number, seq: number, ts: number, nowMs: number][]) {
    return packets.map(([ssrc, seq, ts, now]) => {
      const position = rewriter.rewrite(ssrc, seq, ts, now);
      return position ? { ...position } : undefined;
    });
  }

  it('keeps sequence +1 and timestamp +160 across a jump to 65530, the wrap, and a new SSRC', () => {
    const rewriter = new StreamRewriter(8000, 20, 42);
    const input: [number, number, number, number][] = [
      [1, 100, 0, 0],
      [1, 101, 160, 20],
      [1, 65530, 9_999_999, 40],
      [1, 65531, 9_999_999 + 160, 60],
      // 65532..65534 lost: the gap is kept.
      [1, 65535, 9_999_999 + 800, 140],
      [1, 0, 9_999_999 + 960, 160],
      [1, 1, 9_999_999 + 1120, 180],
      [2, 7, 5, 200],
      [2, 8, 165, 220],
    ];
    const output = run(rewriter, input);
    const sequences = output.map((position) => position?.sequenceNumber as number);
    const steps = sequences.slice(1).map((seq, i) => (seq - (sequences[i] as number)) & 0xffff);
    expect(steps).toEqual([1, 1, 1, 4, 1, 1, 1, 1]);
    expect(output.map((position) => position?.marker)).toEqual([
      true,
      false,
      true,
      false,
      false,
      false,
      false,
      true,
      false,
    ]);
    const timestamps = output.map((position) => position?.timestamp as number);
    expect(timestamps.slice(1).map((t, i) => (t - (timestamps[i] as number)) >>> 0)).toEqual([
      160, 160, 160, 640, 160, 160, 160, 160,
    ]);
  });

  it('advances the timestamp by wall-clock time across a hold, and drops duplicates', () => {
    const rewriter = new StreamRewriter(48000, 20, 1);
    const before = run(rewriter, [
      [5, 10, 960, 0],
      [5, 11, 1920, 20],
      [5, 11, 1920, 21],
    ]);
    expect(before[2]).toBeUndefined();
    // After 3 s on hold the phone resumes with a new SSRC and a random timestamp.
    const [resumed] = run(rewriter, [[6, 40000, 123456789, 3020]]);
    expect(resumed?.sequenceNumber).toBe(((before[1]?.sequenceNumber as number) + 1) & 0xffff);
    expect(((resumed?.timestamp as number) - (before[1]?.timestamp as number)) >>> 0).toBe(3000 * 48);
  });

  it('places late packets behind the head without moving it', () => {
    const rewriter = new StreamRewriter(8000, 20, 1);
    const output = run(rewriter, [
      [1, 10, 0, 0],
      [1, 12, 320, 40],
      [1, 11, 160, 41],
      [1, 13, 480, 60],
    ]);
    const base = output[0]?.sequenceNumber as number;
    expect(output.map((position) => ((position?.sequenceNumber as number) - base) & 0xffff)).toEqual([
      0, 2, 1, 3,
    ]);
    expect(
      output.map((position) => ((position?.timestamp as number) - (output[0]?.timestamp as number)) >>> 0),
    ).toEqual([0, 320, 160, 480]);
  });
});
