// A full garbage collection from inside a test, without `--expose-gc` on the worker's command line: V8 lets a
// running process turn the flag on and hands out `gc` in a fresh context. Used to prove that something ended is
// really released (a WeakRef to it is cleared), not merely closed.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** One full, synchronous garbage collection. */
export function collectGarbage(): void {
  gc();
}

/**
 * Collect until every WeakRef in `refs` is cleared, or give up after `rounds` collections; returns the labels of
 * those still alive. Between rounds the event loop turns, so pending teardown (timers at 0, microtasks) runs and
 * V8 drops the targets a WeakRef kept alive for the job that created it.
 */
export async function stillAlive(refs: Record<string, WeakRef<object>>, rounds = 10): Promise<string[]> {
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const alive = Object.entries(refs).filter(([, ref]) => ref.deref() !== undefined);
    if (alive.length === 0) return [];
    if (round === rounds - 1) return alive.map(([label]) => label);
  }
  return [];
}
