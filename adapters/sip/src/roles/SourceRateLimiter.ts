// Pike-style counting per source: more than `requests` hits within a sliding `windowMs` blocks the source for
// `blockMs`. Memory stays bounded: at most `maxSources` sources are tracked (the least recently seen goes
// first), and sources with nothing left to remember are swept out. No timers: everything happens on `hit()`.

export interface RateLimitSettings {
  /** Hits allowed within the window; one more blocks the source. 0 blocks on the first hit. */
  readonly requests: number;
  readonly windowMs: number;
  readonly blockMs: number;
  /** Sources tracked at most; past that, the least recently seen is forgotten. */
  readonly maxSources: number;
}

export type RateVerdict =
  | { readonly kind: 'pass' }
  /** `started`: this hit started the block (log it); later hits in the same block are quiet. */
  | { readonly kind: 'blocked'; readonly started: boolean; readonly retryAfterSec: number };

interface SourceState {
  /** Times of the hits still inside the window, oldest first (at most `requests` + 1). */
  hits: number[];
  /** 0 when not blocked. */
  blockedUntil: number;
}

const pass: RateVerdict = { kind: 'pass' };

export class SourceRateLimiter {
  readonly #settings: RateLimitSettings;
  readonly #now: () => number;
  /** Insertion order = least recently hit first (a hit moves its source to the end). */
  readonly #sources = new Map<string, SourceState>();
  #lastSweep = 0;

  constructor(settings: RateLimitSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Sources remembered right now (for tests and metrics). */
  get size(): number {
    return this.#sources.size;
  }

  /** Whether `source` is blocked, without counting anything. */
  isBlocked(source: string): boolean {
    return (this.#sources.get(source)?.blockedUntil ?? 0) > this.#now();
  }

  /** One hit from `source`: passes, or is refused while the source is blocked. */
  hit(source: string): RateVerdict {
    const now = this.#now();
    const { requests, windowMs, blockMs } = this.#settings;
    // At most once per window (a sweep walks every source): never per packet, even when full.
    if (now - this.#lastSweep >= Math.max(windowMs, 1000)) this.#sweep(now);
    let state = this.#sources.get(source);
    if (state && state.blockedUntil > now) {
      // No counting while blocked: the block ends when it was due, however hard the source keeps trying.
      return { kind: 'blocked', started: false, retryAfterSec: Math.ceil((state.blockedUntil - now) / 1000) };
    }
    if (state) {
      this.#sources.delete(source);
      if (state.blockedUntil !== 0) state = { hits: [], blockedUntil: 0 }; // block over: a fresh start
    } else {
      state = { hits: [], blockedUntil: 0 };
      // Full: forget the least recently seen tenth at once (an attacker with that many addresses can flush
      // blocks; the cap is what keeps memory bounded against spoofed sources). One at a time would walk the
      // Map's deleted slots on every new source.
      if (this.#sources.size >= this.#settings.maxSources) this.#forgetOldest();
    }
    this.#sources.set(source, state);
    const since = now - windowMs;
    let expired = 0;
    while (expired < state.hits.length && (state.hits[expired] as number) <= since) expired++;
    if (expired > 0) state.hits.splice(0, expired);
    state.hits.push(now);
    if (state.hits.length <= requests) return pass;
    state.hits = [];
    state.blockedUntil = now + blockMs;
    return { kind: 'blocked', started: true, retryAfterSec: Math.ceil(blockMs / 1000) };
  }

  #forgetOldest(): void {
    let count = Math.max(1, Math.ceil(this.#settings.maxSources / 10));
    for (const source of this.#sources.keys()) {
      if (count-- === 0) break;
      this.#sources.delete(source);
    }
  }

  /** Forgets sources whose block is over and whose hits have all left the window. */
  #sweep(now: number): void {
    this.#lastSweep = now;
    const since = now - this.#settings.windowMs;
    for (const [source, state] of this.#sources) {
      const last = state.hits.at(-1) ?? 0;
      if (state.blockedUntil <= now && last <= since) this.#sources.delete(source);
    }
  }
}
