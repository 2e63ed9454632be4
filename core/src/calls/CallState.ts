// The call state machine: which transitions are legal, in one table.
export type CallState = 'routing' | 'ringing' | 'active' | 'held' | 'ended' | 'failed';

/**
 * `failed` means the call never connected (no route, refused, busy, error); `ended` means it connected and
 * ended, or the caller gave up (cancel) — the distinction dashboards count by.
 */
export const callTransitions: Readonly<Record<CallState, readonly CallState[]>> = {
  routing: ['ringing', 'active', 'ended', 'failed'],
  ringing: ['active', 'ended', 'failed'],
  active: ['held', 'ended'],
  held: ['active', 'ended'],
  ended: [],
  failed: [],
};

export const terminalCallStates: ReadonlySet<CallState> = new Set(['ended', 'failed']);

export function canTransition(from: CallState, to: CallState): boolean {
  return callTransitions[from].includes(to);
}
