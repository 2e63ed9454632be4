// Test helper: wait for a leg event of one type (legs replay their events, so late subscription is fine).
import type { LegEvent, PlatformLeg } from '@cubebridge/core';

export function legEvent<T extends LegEvent['type']>(
  leg: PlatformLeg,
  type: T,
  timeoutMs = 30_000,
): Promise<Extract<LegEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`no '${type}' event on leg ${leg.id} within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = leg.events$.subscribe({
      next: (event) => {
        if (event.type !== type) return;
        clearTimeout(timer);
        queueMicrotask(() => subscription.unsubscribe());
        resolve(event as Extract<LegEvent, { type: T }>);
      },
      complete: () => {
        clearTimeout(timer);
        reject(new Error(`leg ${leg.id} ended without a '${type}' event`));
      },
    });
  });
}

/** All events of a leg until it ends. */
export function legEventsUntilEnd(leg: PlatformLeg): Promise<LegEvent[]> {
  return new Promise((resolve) => {
    const events: LegEvent[] = [];
    leg.events$.subscribe({ next: (event) => events.push(event), complete: () => resolve(events) });
  });
}
