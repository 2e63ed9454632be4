// An Observable whose subscribers cannot hurt the source or each other: a subscriber that throws is reported,
// not rethrown, and one that takes long is reported too. Operators keep the isolation because `lift`
// returns the same kind of Observable, so `events$.pipe(ofType(...)).subscribe(fn)` is isolated as well.
import { Observable, type Observer, type Operator, Subscriber, type Subscription } from 'rxjs';

export interface SubscriberFaultReporter {
  threw(error: unknown, value: unknown): void;
  slow(tookMs: number, value: unknown): void;
}

export class IsolatedObservable<T> extends Observable<T> {
  readonly #report: SubscriberFaultReporter;
  readonly #slowAfterMs: number;

  constructor(
    subscribe: ((this: Observable<T>, subscriber: Subscriber<T>) => unknown) | undefined,
    report: SubscriberFaultReporter,
    slowAfterMs: number,
  ) {
    super(subscribe as never);
    this.#report = report;
    this.#slowAfterMs = slowAfterMs;
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const lifted = new IsolatedObservable<R>(undefined, this.#report, this.#slowAfterMs);
    // rxjs's own `lift` does exactly this wiring; we only change the class of the result.
    (lifted as unknown as { source: Observable<T> }).source = this;
    (lifted as unknown as { operator: Operator<T, R> | undefined }).operator = operator;
    return lifted;
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null): Subscription {
    // Operators subscribe with their own Subscriber: pass it through so unsubscription still propagates.
    // Only the end observer (a user's function or object) is guarded.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' ? { next: observerOrNext } : (observerOrNext ?? {});
    const guard = <A extends unknown[]>(
      callback: ((...args: A) => void) | undefined,
      value: (args: A) => unknown,
    ) =>
      callback &&
      ((...args: A) => {
        const started = performance.now();
        try {
          callback(...args);
        } catch (error) {
          this.#report.threw(error, value(args));
        }
        const tookMs = performance.now() - started;
        if (tookMs > this.#slowAfterMs) this.#report.slow(tookMs, value(args));
      });
    return super.subscribe({
      next: guard(observer.next?.bind(observer), (args) => args[0]),
      // An error inside a subscriber's own operator chain ends that subscription only: report it, never rethrow.
      error:
        guard(observer.error?.bind(observer), () => undefined) ??
        ((error: unknown) => this.#report.threw(error, undefined)),
      complete: guard(observer.complete?.bind(observer), () => undefined),
    });
  }
}
