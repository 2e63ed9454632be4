import { describe, expect, it } from 'vitest';
import { Call, type CallState, EventBus, InvalidStateError, callTransitions } from '../src/index.ts';
import { InMemoryLeg, InMemoryMediaSession } from './doubles/InMemoryPorts.ts';
import { capturingLogger, collect } from './support.ts';

const states = Object.keys(callTransitions) as CallState[];

/** Drive a fresh call into `state` through its public methods. */
function callIn(state: CallState): Call {
  const { logger } = capturingLogger();
  const call = new Call(
    {
      direction: 'sip-to-platform',
      from: { uri: 'sip:a@x' },
      to: { uri: 'sip:b@x' },
      offered: { audio: true, video: false },
    },
    new EventBus({ logger }),
    logger,
  );
  const path: Record<CallState, (c: Call) => void> = {
    routing: () => {},
    ringing: (c) => c.markRinging(),
    active: (c) => c.markAnswered(),
    held: (c) => {
      c.markAnswered();
      c.markHeld('sip');
    },
    ended: (c) => void c.close('cancelled', 'sip'),
    failed: (c) => void c.close('busy', 'platform'),
  };
  path[state](call);
  expect(call.state).toBe(state);
  return call;
}

const move: Record<CallState, (c: Call) => unknown> = {
  routing: () => {
    throw new Error('nothing moves a call back to routing');
  },
  ringing: (c) => c.markRinging(),
  active: (c) => (c.state === 'held' ? c.markResumed('platform') : c.markAnswered()),
  held: (c) => c.markHeld('platform'),
  ended: (c) => c.close(c.answered ? 'normal' : 'cancelled', 'gateway'),
  failed: (c) => c.close('declined', 'platform'),
};

describe('Call state machine', () => {
  for (const from of states) {
    for (const to of states.filter((target) => target !== 'routing')) {
      const legal = callTransitions[from].includes(to);
      it(`${from} → ${to} is ${legal ? 'allowed' : 'never taken'}`, () => {
        const call = callIn(from);
        if (legal) {
          move[to](call);
          expect(call.state).toBe(to);
        } else if (to === 'failed' && (from === 'active' || from === 'held')) {
          // Ending an answered call always ends it, whatever the reason: it never becomes 'failed'.
          void move[to](call);
          expect(call.state).toBe('ended');
        } else if (from === 'ended' || from === 'failed') {
          // Closing a closed call is a no-op by design (idempotent close); other moves throw.
          if (to === 'ended' || to === 'failed') {
            void move[to](call);
            expect(call.state).toBe(from);
          } else expect(() => move[to](call)).toThrow(InvalidStateError);
        } else {
          const error = (() => {
            try {
              move[to](call);
            } catch (caught) {
              return caught;
            }
          })();
          expect(error).toBeInstanceOf(InvalidStateError);
          expect((error as InvalidStateError).state).toBe(from);
          expect(call.state).toBe(from);
        }
      });
    }
  }

  it('an answered call that ends is ended, an unanswered refused call failed, a cancelled one ended', async () => {
    const answered = callIn('active');
    await answered.close('normal', 'sip');
    expect(answered.state).toBe('ended');
    const refused = callIn('ringing');
    await refused.close('busy', 'platform');
    expect(refused.state).toBe('failed');
    const cancelled = callIn('ringing');
    await cancelled.close('cancelled', 'sip');
    expect(cancelled.state).toBe('ended');
  });

  it('close() cascades to both legs and the media session, once, and publishes call.ended last', async () => {
    const { logger } = capturingLogger();
    const bus = new EventBus({ logger });
    const events = collect(bus.events$);
    const call = new Call(
      {
        direction: 'sip-to-platform',
        from: { uri: 'sip:a@x' },
        to: { uri: 'sip:b@x' },
        offered: { audio: true, video: false },
      },
      bus,
      logger,
    );
    const sip = new InMemoryLeg('sip', 'inbound', call.to, call.from);
    const platform = new InMemoryLeg('platform', 'outbound', call.from, { uri: 'connectycube:1' });
    const media = new InMemoryMediaSession(call.id);
    call.attachMedia(media);
    call.attachLeg(sip as never);
    call.attachLeg(platform as never);
    call.markAnswered();
    await Promise.all([call.close('normal', 'sip'), call.close('error', 'gateway')]);
    expect(sip.actions).toEqual(['hangup:normal']);
    expect(platform.actions).toEqual(['hangup:normal']);
    expect(media.closed).toBe(true);
    expect(call.closed).toBe(true);
    const ended = events.filter((event) => event.type === 'call.ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ reason: 'normal', by: 'sip', answered: true });
    expect(events.at(-1)?.type).toBe('call.ended');
    expect(() => call.attachLeg(sip as never)).toThrow(InvalidStateError);
  });

  it("events$ is the call's own: it completes after call.ended, then the owner is told, directly", async () => {
    const { logger } = capturingLogger();
    const bus = new EventBus({ logger });
    const journal: string[] = [];
    const init = {
      direction: 'sip-to-platform' as const,
      from: { uri: 'sip:a@x' },
      to: { uri: 'sip:b@x' },
      offered: { audio: true, video: false },
    };
    const call = new Call(init, bus, logger, {
      callEnded: (ended) => journal.push(`owner: ${ended.state}`),
    });
    const other = new Call(init, bus, logger);
    call.events$.subscribe({
      next: (event) => journal.push(event.type),
      complete: () => journal.push('complete'),
    });
    other.markRinging();
    call.markRinging();
    await call.close('cancelled', 'sip');
    expect(journal).toEqual([
      'call.state',
      'call.ringing',
      'call.state',
      'call.ended',
      'complete',
      'owner: ended',
    ]);
  });

  it("a bug in the owner's bookkeeping fails close() loudly, after call.ended was delivered", async () => {
    const { logger } = capturingLogger();
    const bus = new EventBus({ logger });
    const events = collect(bus.events$);
    const call = new Call(
      {
        direction: 'sip-to-platform',
        from: { uri: 'sip:a@x' },
        to: { uri: 'sip:b@x' },
        offered: { audio: true, video: false },
      },
      bus,
      logger,
      {
        callEnded: () => {
          throw new Error('registry bug');
        },
      },
    );
    await expect(call.close('normal', 'gateway')).rejects.toThrow('registry bug');
    expect(events.map((event) => event.type)).toContain('call.ended');
    // Not swallowed into the observation channel.
    expect(events.some((event) => event.type === 'gateway.subscriber-error')).toBe(false);
  });
});
