// REST sessions: opaque tokens with a lifetime, optionally bound to a user (application session → login upgrade).
import { randomBytes } from 'node:crypto';

export interface Session {
  readonly id: number;
  readonly token: string;
  readonly applicationId: number;
  /** Undefined for an application session that has not logged in. */
  userId: number | undefined;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export class SessionStore {
  readonly #byToken = new Map<string, Session>();
  readonly #ttlMs: number;
  #nextId = 1;

  constructor(ttlSeconds: number) {
    this.#ttlMs = ttlSeconds * 1000;
  }

  create(applicationId: number, userId: number | undefined): Session {
    this.#sweep();
    const now = new Date();
    const session: Session = {
      id: this.#nextId++,
      token: randomBytes(20).toString('hex'),
      applicationId,
      userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.#ttlMs),
    };
    this.#byToken.set(session.token, session);
    return session;
  }

  /** The live session for a token; expired ones are forgotten here rather than by a timer. */
  find(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const session = this.#byToken.get(token);
    if (session && session.expiresAt.getTime() <= Date.now()) {
      this.#byToken.delete(token);
      return undefined;
    }
    return session;
  }

  destroy(token: string): void {
    this.#byToken.delete(token);
  }

  get live(): readonly Session[] {
    this.#sweep();
    return [...this.#byToken.values()];
  }

  #sweep(): void {
    const now = Date.now();
    for (const [token, session] of this.#byToken)
      if (session.expiresAt.getTime() <= now) this.#byToken.delete(token);
  }
}
