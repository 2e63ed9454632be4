// The sandbox's users: seeded at start, grown by sign-up and guest sessions, looked up by id, login or email.
import type { PublicUser, SandboxUserSeed } from '../SandboxTypes.ts';
import { RestError, SandboxConfigError } from '../errors.ts';

/** A stored user: the public record plus the password it logs in with. */
export interface StoredUser {
  readonly record: PublicUser;
  readonly password: string;
}

export interface SignUpFields {
  readonly login?: unknown;
  readonly password?: unknown;
  readonly full_name?: unknown;
  readonly email?: unknown;
  readonly phone?: unknown;
  readonly custom_data?: unknown;
}

const firstUserId = 1001;

export class UserDirectory {
  readonly #byId = new Map<number, StoredUser>();
  #nextId = firstUserId;
  #guests = 0;

  constructor(seeds: readonly SandboxUserSeed[]) {
    for (const seed of seeds) {
      this.#insert(
        { login: seed.login, password: seed.password, fullName: seed.fullName, email: seed.email },
        seed.id,
      );
    }
  }

  get all(): readonly StoredUser[] {
    return [...this.#byId.values()];
  }

  byId(id: number): StoredUser | undefined {
    return this.#byId.get(id);
  }

  byLogin(login: string): StoredUser | undefined {
    return this.all.find((user) => user.record.login === login);
  }

  byEmail(email: string): StoredUser | undefined {
    return this.all.find((user) => user.record.email === email);
  }

  /** `POST /users`: validates like ConnectyCube (422 with field → messages). */
  signUp(fields: SignUpFields): StoredUser {
    const login = typeof fields.login === 'string' ? fields.login.trim() : '';
    const email = typeof fields.email === 'string' ? fields.email.trim() : '';
    if (login === '' && email === '') throw RestError.unprocessable('base', 'login or email is required');
    if (typeof fields.password !== 'string' || fields.password.length < 8) {
      throw RestError.unprocessable('password', 'is too short (minimum is 8 characters)');
    }
    if (login !== '' && this.byLogin(login)) throw RestError.unprocessable('login', 'has already been taken');
    if (email !== '' && this.byEmail(email)) throw RestError.unprocessable('email', 'has already been taken');
    return this.#insert({
      login: login || email,
      password: fields.password,
      fullName: typeof fields.full_name === 'string' ? fields.full_name : undefined,
      email: email || undefined,
      phone: typeof fields.phone === 'string' ? fields.phone : undefined,
      customData: typeof fields.custom_data === 'string' ? fields.custom_data : undefined,
    });
  }

  /** A guest session's user: a fresh account with a random password nobody knows. */
  createGuest(fullName: string | undefined): StoredUser {
    this.#guests += 1;
    return this.#insert({
      login: `guest-${this.#guests}-${Date.now().toString(36)}`,
      password: crypto.randomUUID(),
      fullName: fullName ?? `Guest ${this.#guests}`,
    });
  }

  /** Stamps `last_request_at`, which apps read as "recently active". */
  touch(id: number): void {
    const user = this.#byId.get(id);
    if (user)
      this.#byId.set(id, { ...user, record: { ...user.record, last_request_at: new Date().toISOString() } });
  }

  #insert(
    fields: {
      login: string;
      password: string;
      fullName?: string;
      email?: string;
      phone?: string;
      customData?: string;
    },
    fixedId?: number,
  ): StoredUser {
    const id = fixedId ?? this.#nextId;
    if (this.#byId.has(id)) throw new SandboxConfigError(`user id ${id} is used twice`);
    if (this.byLogin(fields.login))
      throw new SandboxConfigError(`user login "${fields.login}" is used twice`);
    this.#nextId = Math.max(this.#nextId, id + 1);
    const now = new Date().toISOString();
    const user: StoredUser = {
      password: fields.password,
      record: {
        id,
        login: fields.login,
        full_name: fields.fullName ?? fields.login,
        email: fields.email ?? null,
        phone: fields.phone ?? null,
        website: null,
        created_at: now,
        updated_at: now,
        last_request_at: null,
        external_user_id: null,
        external_id: null,
        facebook_id: null,
        twitter_id: null,
        custom_data: fields.customData ?? null,
        blob_id: null,
        avatar: null,
        user_tags: null,
        timezone: null,
      },
    };
    this.#byId.set(id, user);
    return user;
  }
}
