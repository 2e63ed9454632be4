// The calls in progress: list, find, count, and wait for them all to end (drain).
import { filter, firstValueFrom, type Observable, Subject } from 'rxjs';
import type { Call } from './Call.ts';

export class CallRegistry {
  readonly #calls = new Map<string, Call>();
  readonly #changes = new Subject<number>();

  /** The number of calls in progress each time it changes. */
  readonly size$: Observable<number> = this.#changes.asObservable();

  add(call: Call): void {
    this.#calls.set(call.id, call);
    this.#changes.next(this.#calls.size);
  }

  remove(call: Call): void {
    if (this.#calls.delete(call.id)) this.#changes.next(this.#calls.size);
  }

  get(id: string): Call | undefined {
    return this.#calls.get(id);
  }

  list(): Call[] {
    return [...this.#calls.values()];
  }

  find(predicate: (call: Call) => boolean): Call | undefined {
    return this.list().find(predicate);
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Resolves when no call is in progress (immediately if none is). */
  async whenEmpty(): Promise<void> {
    if (this.#calls.size === 0) return;
    await firstValueFrom(this.size$.pipe(filter((size) => size === 0)));
  }
}
