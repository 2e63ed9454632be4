import { type Observable, map } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type EndReason, EventBus, type EventOfType, ofType } from '../src/index.ts';
import { capturingLogger, collect } from './support.ts';

describe('ofType', () => {
  it('keeps only the named types and narrows the type', () => {
    const { logger } = capturingLogger();
    const bus = new EventBus({ logger });
    const seen: string[] = [];
    const narrowed$ = bus.events$.pipe(ofType('call.ended', 'call.answered'));
    expectTypeOf(narrowed$).toEqualTypeOf<Observable<EventOfType<'call.ended' | 'call.answered'>>>();
    narrowed$.subscribe((event) => {
      if (event.type === 'call.ended') {
        expectTypeOf(event.reason).toEqualTypeOf<EndReason>();
        seen.push(`${event.type}:${event.reason}`);
      } else {
        expectTypeOf(event.type).toEqualTypeOf<'call.answered'>();
        // @ts-expect-error: an answered event has no reason
        void event.reason;
        seen.push(event.type);
      }
    });
    bus.emit({ type: 'call.ringing', callId: 'c1' });
    bus.emit({ type: 'call.answered', callId: 'c1' });
    bus.emit({
      type: 'call.ended',
      callId: 'c1',
      reason: 'normal',
      by: 'sip',
      durationMs: 5,
      answered: true,
    });
    expect(seen).toEqual(['call.answered', 'call.ended:normal']);
  });

  it('refuses unknown event types at compile time', () => {
    // @ts-expect-error: not an event type
    ofType('call.exploded');
  });
});

describe('event bus isolation', () => {
  it('a subscriber that throws is reported and the others, and later events, still arrive', () => {
    const { logger, text } = capturingLogger();
    const bus = new EventBus({ logger });
    const all = collect(bus.events$);
    const after: string[] = [];
    bus.events$.pipe(ofType('call.ringing')).subscribe(() => {
      throw new Error('plugin bug');
    });
    bus.events$.subscribe((event) => after.push(event.type));
    bus.emit({ type: 'call.ringing', callId: 'c1' });
    bus.emit({ type: 'call.answered', callId: 'c1' });
    expect(after).toEqual(['call.ringing', 'gateway.subscriber-error', 'call.answered']);
    expect(all.find((event) => event.type === 'gateway.subscriber-error')).toMatchObject({
      error: 'plugin bug',
      eventType: 'call.ringing',
    });
    expect(text()).toContain('an event subscriber threw');
  });

  it('an error inside a subscriber operator chain ends only that subscription, reported', () => {
    const { logger } = capturingLogger();
    const bus = new EventBus({ logger });
    const errors = collect(bus.events$.pipe(ofType('gateway.subscriber-error')));
    const others: string[] = [];
    bus.events$
      .pipe(
        map(() => {
          throw new Error('operator bug');
        }),
      )
      .subscribe(() => undefined);
    bus.events$.pipe(ofType('call.ringing')).subscribe((event) => others.push(event.callId));
    bus.emit({ type: 'call.ringing', callId: 'c1' });
    bus.emit({ type: 'call.ringing', callId: 'c2' });
    expect(others).toEqual(['c1', 'c2']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ error: 'operator bug' });
  });

  it('a slow subscriber is reported as slow', () => {
    const { logger } = capturingLogger();
    const bus = new EventBus({ logger, slowSubscriberMs: 5 });
    const slow: EventOfType<'gateway.slow-subscriber'>[] = [];
    bus.events$.pipe(ofType('gateway.slow-subscriber')).subscribe((event) => slow.push(event));
    bus.events$.pipe(ofType('call.ringing')).subscribe(() => {
      const until = performance.now() + 20;
      while (performance.now() < until);
    });
    bus.emit({ type: 'call.ringing', callId: 'c1' });
    expect(slow).toHaveLength(1);
    expect(slow[0]?.eventType).toBe('call.ringing');
    expect(slow[0]?.tookMs).toBeGreaterThan(5);
  });

  it('unsubscribing through operators really detaches from the source', () => {
    const { logger } = capturingLogger();
    const bus = new EventBus({ logger });
    const seen: string[] = [];
    const subscription = bus.events$
      .pipe(ofType('call.ringing'))
      .subscribe((event) => seen.push(event.callId));
    bus.emit({ type: 'call.ringing', callId: 'c1' });
    subscription.unsubscribe();
    bus.emit({ type: 'call.ringing', callId: 'c2' });
    expect(seen).toEqual(['c1']);
  });

  it('events published while delivering keep publication order for every subscriber', () => {
    const { logger } = capturingLogger();
    const bus = new EventBus({ logger });
    bus.events$
      .pipe(ofType('call.ringing'))
      .subscribe((event) => bus.emit({ type: 'call.answered', callId: event.callId }));
    const seen: string[] = [];
    bus.events$.subscribe((event) => seen.push(event.type));
    bus.emit({ type: 'call.ringing', callId: 'c1' });
    expect(seen).toEqual(['call.ringing', 'call.answered']);
  });
});
