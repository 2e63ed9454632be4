// What `connectycube(options)` accepts: application credentials, endpoints, identities and call timers.
import { ConnectyCubeOptionsError } from './errors.ts';

/** How the adapter logs a ConnectyCube user in. The password is used for the REST session and for chat. */
export type UserCredentials =
  | { readonly login: string; readonly password: string }
  | { readonly email: string; readonly password: string };

/** A SIP extension with its own ConnectyCube user (mirrored mode). */
export type MirroredIdentity = UserCredentials & {
  /** The SIP identity this user stands for, e.g. `sip:1001@pbx.example.com` (host optional). */
  readonly sip: string;
  readonly displayName?: string;
};

export type IdentityOptions =
  /** One ConnectyCube user; app users call it with the SIP target in `userInfo.to`. */
  | { readonly mode: 'gateway'; readonly user: UserCredentials }
  /**
   * One ConnectyCube user per SIP extension; an app user calls that user directly. `fallback`, if given, places
   * calls from SIP callers without their own user and receives calls like a gateway identity.
   */
  | {
      readonly mode: 'mirrored';
      readonly users: readonly MirroredIdentity[];
      readonly fallback?: UserCredentials;
    };

export interface ConnectyCubeEndpoints {
  /** REST host, e.g. `api.connectycube.com` (https is implied). */
  readonly api?: string;
  /** Full REST base URL without trailing slash; wins over `api` (e.g. `http://127.0.0.1:18080`). */
  readonly apiUrl?: string;
  /** Chat (JID) domain, e.g. `chat.connectycube.com`. */
  readonly chat?: string;
  /** Chat WebSocket URL, e.g. `wss://chat.connectycube.com:5291` or `ws://127.0.0.1:18080/ws`. */
  readonly chatUrl?: string;
}

export interface ConnectyCubeOptions {
  readonly appId: number | string;
  readonly authKey: string;
  /** Defaults are ConnectyCube's cloud. */
  readonly endpoints?: ConnectyCubeEndpoints;
  readonly identities: IdentityOptions;
  /** Period of `call` re-sends while ringing an app user (SDK: `dialingTimeInterval`, 5 s). */
  readonly dialingIntervalMs?: number;
  /** How long a call may ring, both ways, before it counts as unanswered (SDK: `answerTimeInterval`, 60 s). */
  readonly answerTimeoutMs?: number;
  /** How long to wait for ICE gathering before the first `call`, so the offer carries candidates. */
  readonly gatheringTimeoutMs?: number;
  /** Delay before the chat connection is re-established after a drop. */
  readonly reconnectDelayMs?: number;
  /**
   * How often each chat connection is pinged. A ping unanswered within this time (10 s at most) counts as a
   * silent drop (a NAT or proxy that stopped forwarding): the socket is closed and the SDK reconnects.
   */
  readonly keepaliveIntervalMs?: number;
}

export interface ResolvedOptions {
  readonly appId: number;
  readonly authKey: string;
  readonly endpoints: ConnectyCubeEndpoints;
  readonly identities: IdentityOptions;
  readonly dialingIntervalMs: number;
  readonly answerTimeoutMs: number;
  readonly gatheringTimeoutMs: number;
  readonly reconnectDelayMs: number;
  readonly keepaliveIntervalMs: number;
}

/** Checks options up front, naming the offending key; secrets are never part of a message. */
export function resolveOptions(options: ConnectyCubeOptions): ResolvedOptions {
  const appId = Number(options.appId);
  if (!Number.isSafeInteger(appId) || appId <= 0) {
    throw new ConnectyCubeOptionsError(
      `appId: expected a positive integer, found ${JSON.stringify(options.appId)}`,
    );
  }
  if (typeof options.authKey !== 'string' || options.authKey === '') {
    throw new ConnectyCubeOptionsError('authKey: expected a non-empty string');
  }
  const identities = options.identities;
  if (identities?.mode === 'gateway') {
    checkCredentials(identities.user, 'identities.user');
  } else if (identities?.mode === 'mirrored') {
    if (!Array.isArray(identities.users) || identities.users.length === 0) {
      throw new ConnectyCubeOptionsError('identities.users: expected at least one mirrored identity');
    }
    identities.users.forEach((user, i) => {
      checkCredentials(user, `identities.users[${i}]`);
      if (typeof user.sip !== 'string' || user.sip === '') {
        throw new ConnectyCubeOptionsError(`identities.users[${i}].sip: expected a SIP URI`);
      }
    });
    if (identities.fallback) checkCredentials(identities.fallback, 'identities.fallback');
  } else {
    throw new ConnectyCubeOptionsError(
      `identities.mode: expected 'gateway' or 'mirrored', found ${JSON.stringify((identities as { mode?: unknown } | undefined)?.mode)}`,
    );
  }
  const apiUrl = options.endpoints?.apiUrl?.replace(/\/+$/, '');
  return {
    appId,
    authKey: options.authKey,
    endpoints: { ...options.endpoints, ...(apiUrl ? { apiUrl } : {}) },
    identities,
    dialingIntervalMs: positive(options.dialingIntervalMs, 5000, 'dialingIntervalMs'),
    answerTimeoutMs: positive(options.answerTimeoutMs, 60_000, 'answerTimeoutMs'),
    gatheringTimeoutMs: positive(options.gatheringTimeoutMs, 1000, 'gatheringTimeoutMs'),
    reconnectDelayMs: positive(options.reconnectDelayMs, 5000, 'reconnectDelayMs'),
    keepaliveIntervalMs: positive(options.keepaliveIntervalMs, 30_000, 'keepaliveIntervalMs'),
  };
}

function checkCredentials(user: UserCredentials | undefined, path: string): void {
  const login = user && ('login' in user ? user.login : 'email' in user ? user.email : undefined);
  if (typeof login !== 'string' || login === '') {
    throw new ConnectyCubeOptionsError(`${path}: expected 'login' or 'email'`);
  }
  if (typeof user?.password !== 'string' || user.password === '') {
    throw new ConnectyCubeOptionsError(`${path}.password: expected a non-empty string`);
  }
}

function positive(value: number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConnectyCubeOptionsError(`${path}: expected a positive number of milliseconds, found ${value}`);
  }
  return value;
}
