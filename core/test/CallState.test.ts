import { describe, expect, it } from 'vitest';
import { type CallState, callTransitions, canTransition } from '../src/calls/CallState.ts';

const states = Object.keys(callTransitions) as CallState[];

describe('call state transitions', () => {
  it('allows exactly the transitions in the table', () => {
    const allowed = states.flatMap((from) =>
      states.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'routing->ringing',
        'routing->active',
        'routing->ended',
        'routing->failed',
        'ringing->active',
        'ringing->ended',
        'ringing->failed',
        'active->held',
        'active->ended',
        'held->active',
        'held->ended',
      ].sort(),
    );
  });
});
