// The gateway's one event stream. Publishing never waits for subscribers and never fails because of them.
import { type Observable, Subject, type Subscriber, type Subscription } from 'rxjs';
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
  /**
   * Events published while delivering another are queued, so subscribers see them in publication order; each
   * may carry one more recipient (a call's own stream), served in the same order right after the bus's.
   */
  readonly #queue: Array<{ event: GatewayEvent; alsoTo: ((event: GatewayEvent) => void) | undefined }> = [];
  #delivering = false;
  #closed = false;

  /** The latest registration event per account and platform event per identity: the adapters' state now. */
  readonly #state = new Map<string, GatewayEvent>();

  /** Observation only: a subscriber that throws or is slow is reported (logged and as an event), never rethrown. */
  readonly events$: IsolatedObservable<GatewayEvent>;
  /**
   * `events$` for a subscriber that arrives late (a plugin starts after the adapters): on subscription it first
   * gets the latest `registration.*` event of each account and `platform.*` event of each identity, as they
   * were published (their `at` tells when), then live events.
   */
  readonly eventsFromCurrentState$: IsolatedObservable<GatewayEvent>;

  readonly #slowSubscriberMs: number;

  constructor(options: EventBusOptions) {
    this.#logger = options.logger;
    this.#slowSubscriberMs = options.slowSubscriberMs ?? 50;
    const subject = this.#subject;
    this.events$ = this.#isolated((subscriber) => subject.subscribe(subscriber));
    this.eventsFromCurrentState$ = this.#isolated((subscriber) => {
      for (const event of this.#state.values()) subscriber.next(event);
      return subject.subscribe(subscriber);
    });
  }

  /**
   * `source` with this bus's subscriber isolation: a subscriber that throws or is slow is reported like one of
   * `events$`. A call's own stream is observation too, so it is handed out through this.
   */
  observe<T extends GatewayEvent>(source: Observable<T>): IsolatedObservable<T> {
    return this.#isolated((subscriber) => source.subscribe(subscriber as Subscriber<GatewayEvent>)) as never;
  }

  #isolated(
    subscribe: (subscriber: Subscriber<GatewayEvent>) => Subscription,
  ): IsolatedObservable<GatewayEvent> {
    return new IsolatedObservable<GatewayEvent>(
      subscribe,
      {
        threw: (error, value) => this.#subscriberThrew(error, value as GatewayEvent | undefined),
        slow: (tookMs, value) => this.#subscriberSlow(tookMs, value as GatewayEvent | undefined),
      },
      this.#slowSubscriberMs,
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Publish `input` to every subscriber; `alsoTo` (the publishing call's own stream) receives it next, in the
   * same order. A closed bus still serves `alsoTo`, so a call's watchers see its end during a shutdown.
   */
  emit(input: GatewayEventInput, alsoTo?: (event: GatewayEvent) => void): void {
    if (this.#closed && !alsoTo) return;
    const event = { ...input, at: input.at ?? Date.now() } as GatewayEvent;
    const stateKey = stateKeyOf(event);
    if (stateKey) this.#state.set(stateKey, event);
    this.#queue.push({ event, alsoTo });
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        if (!this.#closed) this.#subject.next(next.event);
        next.alsoTo?.(next.event);
      }
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

/** Which piece of adapter state an event describes, if any: one account's registration, one identity's chat. */
function stateKeyOf(event: GatewayEvent): string | undefined {
  if (event.type.startsWith('registration.') && 'account' in event) return `registration:${event.account}`;
  if (event.type.startsWith('platform.') && 'identity' in event) return `platform:${event.identity}`;
  return undefined;
}
