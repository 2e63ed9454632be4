// What the gateway process holds, sampled the same way at every point of a soak: the heap after a full GC (what
// is really retained), RSS, open file descriptors and, among them, sockets. Linux only (/proc/self/fd).
import { readdirSync, readlinkSync } from 'node:fs';
import { collectGarbage } from '../../core/test/collectGarbage.ts';

export interface Footprint {
  /** Calls ended so far when the sample was taken. */
  readonly calls: number;
  readonly heapMb: number;
  readonly rssMb: number;
  readonly fds: number;
  readonly sockets: number;
}

export async function sampleFootprint(calls: number): Promise<Footprint> {
  // Two rounds with a turn of the event loop between: weak callbacks and finalizers run after the first.
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  const memory = process.memoryUsage();
  const fds = readdirSync('/proc/self/fd');
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed between readdir and readlink (the readdir's own descriptor, for one)
    }
  }
  return {
    calls,
    heapMb: memory.heapUsed / 2 ** 20,
    rssMb: memory.rss / 2 ** 20,
    fds: fds.length,
    sockets,
  };
}

/** Least-squares slope of `pick` against calls, in units per 1 000 calls. */
export function slopePer1000(samples: readonly Footprint[], pick: (sample: Footprint) => number): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const meanX = samples.reduce((sum, s) => sum + s.calls, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + pick(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.calls - meanX) * (pick(s) - meanY);
    den += (s.calls - meanX) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 1000;
}
