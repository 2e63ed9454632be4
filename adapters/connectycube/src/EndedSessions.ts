// Sessions that ended recently. A caller's SDK re-sends `call` until it has processed our answer, and an app
// may accept after we gave up: such late signals must not look like a new call, or go unanswered.

export class EndedSessions {
  readonly #retainMs: number;
  /** Key → time it may be forgotten; Map order is insertion order, so the oldest come first. */
  readonly #until = new Map<string, number>();

  constructor(retainMs: number) {
    this.#retainMs = retainMs;
  }

  add(key: string): void {
    const now = Date.now();
    for (const [old, until] of this.#until) {
      if (until > now) break;
      this.#until.delete(old);
    }
    this.#until.delete(key);
    this.#until.set(key, now + this.#retainMs);
  }

  has(key: string): boolean {
    const until = this.#until.get(key);
    return until !== undefined && until > Date.now();
  }

  clear(): void {
    this.#until.clear();
  }
}
