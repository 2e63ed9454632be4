// How an outgoing leg placed into a running call turns out (a transfer's new leg): answered, or ended with a
// reason. The call ending meanwhile (its owner aborts `callEnded`), or nobody answering in time, also decides it.
import { Subscription } from 'rxjs';
import type { CallLeg, EndReason } from '../ports/common.ts';

export type LegOutcome =
  | { readonly answered: true }
  | { readonly answered: false; readonly reason: EndReason; readonly detail?: string };

export function legOutcome(
  leg: CallLeg,
  callEnded: AbortSignal,
  ringTimeoutMs?: number,
): Promise<LegOutcome> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const subscriptions = new Subscription();
    // A leg may replay what it reported (sip.js legs do), so this can run while subscribing.
    const settle = (outcome: LegOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      queueMicrotask(() => subscriptions.unsubscribe());
      resolve(outcome);
    };
    subscriptions.add(
      leg.events$.subscribe({
        next: (event) => {
          if (event.type === 'answered') settle({ answered: true });
          if (event.type === 'ended')
            settle({
              answered: false,
              reason: event.reason,
              ...(event.detail === undefined ? {} : { detail: event.detail }),
            });
        },
        error: () => settle({ answered: false, reason: 'error', detail: 'the leg failed' }),
      }),
    );
    const onCallEnded = () => settle({ answered: false, reason: 'cancelled', detail: 'the call ended' });
    if (callEnded.aborted) onCallEnded();
    callEnded.addEventListener('abort', onCallEnded, { once: true });
    subscriptions.add(() => callEnded.removeEventListener('abort', onCallEnded));
    if (settled) return;
    if (ringTimeoutMs !== undefined)
      timer = setTimeout(
        () =>
          settle({ answered: false, reason: 'no-answer', detail: `no answer within ${ringTimeoutMs} ms` }),
        ringTimeoutMs,
      );
  });
}
