// The gateway's one event stream. Publishing never waits for subscribers and never fails because of them.
import { Subject } from 'rxjs';
import type { Logger } from '../logging/Logger.ts';
import { errorMessage } from '../errors.ts';
import type { GatewayEvent, GatewayEventInput } from './GatewayEvent.ts';
import { IsolatedObservable } from './IsolatedObservable.ts';

export interface EventBusOptions {
  readonly logger: Logger;
  /** A subscriber that takes longer than this for one event is reported as slow. */
  readonly slowSubscriberMs?: number;
}

export class EventBus {
  readonly #subject = new Subject<GatewayEvent>();
  readonly #logger: Logger;
  /** Events published while delivering another are queued, so subscribers see them in publication order. */
  readonly #queue: GatewayEvent[] = [];
  #delivering = false;
  #closed = false;

  /** Observation only: a subscriber that throws or is slow is reported (logged and as an event), never rethrown. */
  readonly events$: IsolatedObservable<GatewayEvent>;

  constructor(options: EventBusOptions) {
    this.#logger = options.logger;
    const subject = this.#subject;
    this.events$ = new IsolatedObservable<GatewayEvent>(
      (subscriber) => subject.subscribe(subscriber),
      {
        threw: (error, value) => this.#subscriberThrew(error, value as GatewayEvent | undefined),
        slow: (tookMs, value) => this.#subscriberSlow(tookMs, value as GatewayEvent | undefined),
      },
      options.slowSubscriberMs ?? 50,
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  emit(input: GatewayEventInput): void {
    if (this.#closed) return;
    this.#queue.push({ ...input, at: input.at ?? Date.now() } as GatewayEvent);
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let event = this.#queue.shift(); event; event = this.#queue.shift()) this.#subject.next(event);
    } finally {
      this.#delivering = false;
    }
  }

  /** Completes the stream for every subscriber; later `emit` calls are ignored. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subject.complete();
  }

  #subscriberThrew(error: unknown, event: GatewayEvent | undefined): void {
    this.#logger.error(
      { err: error, eventType: event?.type },
      'an event subscriber threw; the gateway goes on',
    );
    // A subscriber of the fault report itself that throws must not start a loop.
    if (event?.type === 'gateway.subscriber-error') return;
    this.emit({
      type: 'gateway.subscriber-error',
      subscriber: 'events$',
      error: errorMessage(error),
      eventType: event?.type,
    });
  }

  #subscriberSlow(tookMs: number, event: GatewayEvent | undefined): void {
    if (!event || event.type === 'gateway.slow-subscriber') return;
    this.#logger.warn(
      { eventType: event.type, tookMs },
      'an event subscriber is slow; it delays every other subscriber',
    );
    this.emit({ type: 'gateway.slow-subscriber', subscriber: 'events$', eventType: event.type, tookMs });
  }
}
