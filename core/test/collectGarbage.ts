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
 * those still alive. Between rounds the event loop turns (for `pauseMs` at least), so pending teardown (a
 * signalling message still being sent, a socket closing) finishes and V8 drops the targets a WeakRef kept alive
 * for the job that dereferenced it.
 */
export async function stillAlive(
  refs: Record<string, WeakRef<object>>,
  { rounds = 10, pauseMs = 0 }: { rounds?: number; pauseMs?: number } = {},
): Promise<string[]> {
  let alive: string[] = [];
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => (pauseMs > 0 ? setTimeout(resolve, pauseMs) : setImmediate(resolve)));
    gc();
    alive = Object.entries(refs)
      .filter(([, ref]) => ref.deref() !== undefined)
      .map(([label]) => label);
    if (alive.length === 0) return [];
  }
  return alive;
}
