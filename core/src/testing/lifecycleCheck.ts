// The lifecycle rule every adapter keeps: start resolves, stop resolves, and a second stop is harmless.
import type { AdapterContext } from '../ports/common.ts';
import { type ConformanceCheck, within } from './Conformance.ts';

export function lifecycleCheck(
  port: string,
  fresh: () => {
    adapter: { start(context: AdapterContext): Promise<void>; stop(): Promise<void> };
    context: AdapterContext;
  },
): ConformanceCheck {
  return {
    name: `${port}: start() resolves, stop() resolves, and stop() again is harmless`,
    run: async () => {
      const { adapter, context } = fresh();
      await within(adapter.start(context), 30_000, `${port}.start() must resolve`);
      await within(adapter.stop(), 30_000, `${port}.stop() must resolve`);
      await within(adapter.stop(), 5_000, `${port}.stop() must be idempotent (a second stop resolves)`);
    },
  };
}
