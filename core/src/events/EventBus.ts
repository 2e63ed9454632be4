// The gateway's one event stream. Publishing never waits for subscribers and never fails because of them.
import { Subject, type Subscriber, type Subscription } from 'rxjs';
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

  constructor(options: EventBusOptions) {
    this.#logger = options.logger;
    const subject = this.#subject;
    const isolated = (subscribe: (subscriber: Subscriber<GatewayEvent>) => Subscription) =>
      new IsolatedObservable<GatewayEvent>(
        subscribe,
        {
          threw: (error, value) => this.#subscriberThrew(error, value as GatewayEvent | undefined),
          slow: (tookMs, value) => this.#subscriberSlow(tookMs, value as GatewayEvent | undefined),
        },
        options.slowSubscriberMs ?? 50,
      );
    this.events$ = isolated((subscriber) => subject.subscribe(subscriber));
    this.eventsFromCurrentState$ = isolated((subscriber) => {
      for (const event of this.#state.values()) subscriber.next(event);
      return subject.subscribe(subscriber);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  emit(input: GatewayEventInput): void {
    if (this.#closed) return;
    const event = { ...input, at: input.at ?? Date.now() } as GatewayEvent;
    const stateKey = stateKeyOf(event);
    if (stateKey) this.#state.set(stateKey, event);
    this.#queue.push(event);
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

/** Which piece of adapter state an event describes, if any: one account's registration, one identity's chat. */
function stateKeyOf(event: GatewayEvent): string | undefined {
  if (event.type.startsWith('registration.') && 'account' in event) return `registration:${event.account}`;
  if (event.type.startsWith('platform.') && 'identity' in event) return `platform:${event.identity}`;
  return undefined;
}
