// The REST subset of ConnectyCube's API the SDK uses: sessions, login, users, call reject, meetings.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatServer } from '../chat/ChatServer.ts';
import { RestError } from '../errors.ts';
import type { PublicUser, SandboxLogger } from '../SandboxTypes.ts';
import type { MeetingStore } from '../state/MeetingStore.ts';
import type { Session, SessionStore } from '../state/SessionStore.ts';
import type { StoredUser, UserDirectory } from '../state/UserDirectory.ts';
import { readJsonBody, sendError, sendJson, sendPreflight } from './HttpExchange.ts';

export interface RestApiOptions {
  readonly appId: number;
  readonly authKey: string;
  readonly users: UserDirectory;
  readonly sessions: SessionStore;
  readonly meetings: MeetingStore;
  readonly chat: ChatServer;
  readonly logger: SandboxLogger;
}

/** Who may call a route: anyone, anyone with the app's auth key or a session, a session, or a session logged in as a user. */
type Access = 'public' | 'session-or-auth-key' | 'session' | 'user';

interface RouteContext {
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly session: Session | undefined;
}

interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly access: Access;
  readonly handle: (context: RouteContext) => unknown;
}

export class RestApi {
  readonly #options: RestApiOptions;
  readonly #routes: readonly Route[];

  constructor(options: RestApiOptions) {
    this.#options = options;
    this.#routes = [
      { method: 'POST', path: /^\/session$/, access: 'public', handle: (c) => this.#createSession(c.body) },
      {
        method: 'GET',
        path: /^\/session$/,
        access: 'session',
        handle: (c) => ({ session: this.#sessionJson(c) }),
      },
      { method: 'DELETE', path: /^\/session$/, access: 'session', handle: (c) => this.#destroySession(c) },
      { method: 'POST', path: /^\/login$/, access: 'session', handle: (c) => this.#login(c) },
      { method: 'DELETE', path: /^\/login$/, access: 'session', handle: (c) => this.#logout(c) },
      {
        method: 'POST',
        path: /^\/users$/,
        access: 'session-or-auth-key',
        handle: (c) => ({ user: options.users.signUp(asObject(c.body.user)).record }),
      },
      { method: 'GET', path: /^\/users\/v2$/, access: 'session', handle: (c) => this.#searchUsers(c.query) },
      {
        method: 'GET',
        path: /^\/users\/online$/,
        access: 'session',
        handle: (c) => this.#onlineUsers(c.query),
      },
      {
        method: 'GET',
        path: /^\/users\/by_login$/,
        access: 'session',
        handle: (c) => this.#userBy('login', c.query),
      },
      {
        method: 'GET',
        path: /^\/users\/by_email$/,
        access: 'session',
        handle: (c) => this.#userBy('email', c.query),
      },
      {
        method: 'GET',
        path: /^\/users\/(\d+)$/,
        access: 'session',
        handle: (c) => this.#userById(c.params[0]),
      },
      { method: 'GET', path: /^\/users$/, access: 'session', handle: (c) => this.#listUsers(c.query) },
      { method: 'POST', path: /^\/calls\/reject$/, access: 'user', handle: (c) => this.#rejectCall(c) },
      {
        method: 'POST',
        path: /^\/meetings$/,
        access: 'user',
        handle: (c) => options.meetings.create(c.session?.userId ?? 0, c.body),
      },
    ];
  }

  /** True when the path is one of the API's (`/<route>[/…].json`), so the HTTP server knows to hand it here. */
  static owns(pathname: string): boolean {
    return pathname.endsWith('.json');
  }

  async handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (request.method === 'OPTIONS') {
      sendPreflight(response);
      return;
    }
    try {
      const path = url.pathname.replace(/\.json$/, '');
      const candidates = this.#routes.filter((route) => route.path.test(path));
      const route = candidates.find((candidate) => candidate.method === request.method);
      if (!route) {
        throw candidates.length > 0
          ? new RestError(405, { base: [`${request.method} is not allowed on ${url.pathname}`] })
          : RestError.notFound(`No route matches ${request.method} ${url.pathname}`);
      }
      const session = this.#authorize(route.access, request);
      const body = request.method === 'POST' || request.method === 'PUT' ? await readJsonBody(request) : {};
      const params = route.path.exec(path)?.slice(1) ?? [];
      const result = await route.handle({ params, query: url.searchParams, body, session });
      sendJson(response, request.method === 'POST' ? 201 : 200, result);
    } catch (error) {
      if (error instanceof RestError) {
        sendError(response, error);
        return;
      }
      // A client that went away mid-body lands here too; there is nobody left to answer.
      this.#options.logger.warn({ err: error, path: url.pathname }, 'sandbox REST request failed');
      if (!response.headersSent && !response.destroyed)
        sendError(response, new RestError(500, { base: ['Internal error'] }));
    }
  }

  #authorize(access: Access, request: IncomingMessage): Session | undefined {
    if (access === 'public') return undefined;
    const token = header(request, 'cb-token');
    if (access === 'session-or-auth-key' && token === undefined) {
      if (header(request, 'cb-authkey') === this.#options.authKey) return undefined;
      throw RestError.unauthorized();
    }
    const session = this.#options.sessions.find(token);
    if (!session) throw RestError.sessionMissing();
    if (access === 'user' && session.userId === undefined) throw RestError.forbidden('Forbidden. Need user.');
    if (session.userId !== undefined) this.#options.users.touch(session.userId);
    return session;
  }

  #createSession(body: Record<string, unknown>): unknown {
    if (Number(body.application_id) !== this.#options.appId || body.auth_key !== this.#options.authKey) {
      throw new RestError(401, { base: ['Unknown application or wrong auth key'] });
    }
    const user = body.user === undefined ? undefined : this.#userFromCredentials(asObject(body.user));
    const session = this.#options.sessions.create(this.#options.appId, user?.record.id);
    return { session: this.#sessionJson({ session, user }) };
  }

  /** `user: {login|email, password}` or `user: {guest: '1', full_name}`; anything else is a 401 like a wrong password. */
  #userFromCredentials(credentials: Record<string, unknown>): StoredUser {
    const { users } = this.#options;
    if (credentials.guest === '1' || credentials.guest === 1 || credentials.guest === true) {
      return users.createGuest(typeof credentials.full_name === 'string' ? credentials.full_name : undefined);
    }
    const user =
      typeof credentials.login === 'string'
        ? users.byLogin(credentials.login)
        : typeof credentials.email === 'string'
          ? users.byEmail(credentials.email)
          : undefined;
    if (!user || credentials.password !== user.password) throw RestError.unauthorized();
    return user;
  }

  #sessionJson({ session, user }: { session: Session | undefined; user?: StoredUser | undefined }): unknown {
    if (!session) throw RestError.sessionMissing();
    const record =
      user?.record ??
      (session.userId === undefined ? undefined : this.#options.users.byId(session.userId)?.record);
    return {
      id: session.id,
      user_id: session.userId ?? 0,
      application_id: session.applicationId,
      token: session.token,
      ts: Math.floor(session.createdAt.getTime() / 1000),
      created_at: session.createdAt.toISOString(),
      updated_at: session.createdAt.toISOString(),
      ...(record ? { user: record } : {}),
    };
  }

  #destroySession(context: RouteContext): unknown {
    if (context.session) this.#options.sessions.destroy(context.session.token);
    return {};
  }

  /** "Session upgrade": the token stays, and from now on it belongs to the user. */
  #login(context: RouteContext): unknown {
    const user = this.#userFromCredentials(context.body);
    if (context.session) context.session.userId = user.record.id;
    return { user: user.record };
  }

  #logout(context: RouteContext): unknown {
    if (context.session) context.session.userId = undefined;
    return {};
  }

  #userById(id: string | undefined): unknown {
    const user = this.#options.users.byId(Number(id));
    if (!user) throw RestError.notFound();
    return { user: user.record };
  }

  #userBy(field: 'login' | 'email', query: URLSearchParams): unknown {
    const value = query.get(field);
    const user =
      value === null
        ? undefined
        : field === 'login'
          ? this.#options.users.byLogin(value)
          : this.#options.users.byEmail(value);
    if (!user) throw RestError.notFound();
    return { user: user.record };
  }

  /** `GET /users/v2`: equality (`login=x`) and set (`id[in][]=1&id[in][]=2`) filters on a few fields, with limit/offset. */
  #searchUsers(query: URLSearchParams): unknown {
    const fields = ['id', 'login', 'email', 'full_name'] as const;
    const matches = (user: PublicUser): boolean =>
      fields.every((field) => {
        const wanted = [
          ...query.getAll(field),
          ...query.getAll(`${field}[in][]`),
          ...query.getAll(`${field}[in]`).flatMap((v) => v.split(',')),
        ];
        return wanted.length === 0 || wanted.includes(String(user[field] ?? ''));
      });
    const found = this.#options.users.all.map((user) => user.record).filter(matches);
    const { limit, skip } = paging(query, 'offset');
    return { limit, skip, total_entries: found.length, items: found.slice(skip, skip + limit) };
  }

  /** `GET /users/online`: users with at least one chat connection; `count=true` asks only how many. */
  #onlineUsers(query: URLSearchParams): unknown {
    const online = this.#options.users.all.filter((user) => this.#options.chat.isOnline(user.record.id));
    if (query.get('count') === 'true') return { count: online.length };
    const { limit, skip } = paging(query, 'offset');
    return { users: online.slice(skip, skip + limit).map((user) => user.record) };
  }

  /** The legacy `GET /users` listing (filters are not interpreted). */
  #listUsers(query: URLSearchParams): unknown {
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 10) || 10));
    const all = this.#options.users.all;
    return {
      current_page: page,
      per_page: perPage,
      total_entries: all.length,
      items: all.slice((page - 1) * perPage, page * perPage).map((user) => ({ user: user.record })),
    };
  }

  /** Delivers a `reject` signal from the token's user to `recipientId`, as if that user's app had sent it over chat. */
  #rejectCall(context: RouteContext): unknown {
    const fromUserId = context.session?.userId ?? 0;
    const recipientId = Number(context.body.recipientId);
    const sessionID = context.body.sessionID;
    if (typeof sessionID !== 'string' || sessionID === '')
      throw RestError.unprocessable('sessionID', 'is required');
    if (!this.#options.users.byId(recipientId)) throw RestError.unprocessable('recipientId', 'is not a user');
    this.#options.chat.sendSignal(fromUserId, recipientId, {
      sessionID,
      callerID: recipientId,
      opponentsIDs: [fromUserId],
      userInfo: context.body.userInfo ?? {},
      moduleIdentifier: 'WebRTCVideoChat',
      signalType: 'reject',
      platform: typeof context.body.platform === 'string' ? context.body.platform : 'web',
    });
    return {};
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw RestError.badRequest('Expected an object');
  return value as Record<string, unknown>;
}

function paging(query: URLSearchParams, offsetName: string): { limit: number; skip: number } {
  const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 100) || 100));
  const skip = Math.max(0, Number(query.get(offsetName) ?? query.get('skip') ?? 0) || 0);
  return { limit, skip };
}
