// The sandbox: one HTTP server on loopback carrying the REST API, the XMPP-over-WebSocket chat, the conference proxy,
// the softphone's static files and an admin view; `close()` takes all of it down.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ChatServer } from './chat/ChatServer.ts';
import { Conference } from './conference/Conference.ts';
import { RestError, SandboxClosedError } from './errors.ts';
import { sendError, sendJson } from './rest/HttpExchange.ts';
import { RestApi } from './rest/RestApi.ts';
import type {
  AdminState,
  SandboxCredentials,
  SandboxLogger,
  SandboxOptions,
  SandboxSdkConfig,
  SandboxUserSeed,
} from './SandboxTypes.ts';
import { MeetingStore } from './state/MeetingStore.ts';
import { SessionStore } from './state/SessionStore.ts';
import { UserDirectory } from './state/UserDirectory.ts';
import { StaticFiles } from './web/StaticFiles.ts';

/** Seed users when none are given: enough for a two-party call and a three-party conference. */
export const defaultSandboxUsers: readonly SandboxUserSeed[] = [
  { login: 'alice', password: 'alice-password', fullName: 'Alice' },
  { login: 'bob', password: 'bob-password', fullName: 'Bob' },
  { login: 'carol', password: 'carol-password', fullName: 'Carol' },
];

const chatPath = '/ws';
const conferencePath = '/janus';
const softphonePrefix = '/softphone/';
/** Pages served by the sandbox (the softphone) read their `ConnectyCube.init` arguments here. */
const clientConfigPath = '/sandbox/config.json';

const silentLogger: SandboxLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class Sandbox {
  readonly #server: Server;
  readonly #logger: SandboxLogger;
  readonly #users: UserDirectory;
  readonly #sessions: SessionStore;
  readonly #meetings = new MeetingStore();
  readonly #chat: ChatServer;
  readonly #rest: RestApi;
  readonly #static: StaticFiles;
  readonly #credentials: SandboxCredentials;
  readonly #conference: Conference | undefined;
  readonly #origin: string;
  #closing: Promise<void> | undefined;

  /** Use `startSandbox()`: the constructor only wires parts around an already listening server. */
  private constructor(
    server: Server,
    options: SandboxOptions,
    logger: SandboxLogger,
    users: UserDirectory,
    conference: Conference | undefined,
  ) {
    this.#server = server;
    this.#users = users;
    this.#conference = conference;
    this.#logger = logger;
    this.#credentials = {
      appId: options.appId ?? 1,
      authKey: options.authKey ?? 'sandbox-auth-key',
      authSecret: options.authSecret ?? 'sandbox-auth-secret',
    };
    this.#sessions = new SessionStore(options.sessionTtlSeconds ?? 7200);
    this.#chat = new ChatServer({
      appId: this.#credentials.appId,
      users: this.#users,
      sessions: this.#sessions,
      logger,
    });
    this.#rest = new RestApi({
      appId: this.#credentials.appId,
      authKey: this.#credentials.authKey,
      users: this.#users,
      sessions: this.#sessions,
      meetings: this.#meetings,
      chat: this.#chat,
      logger,
    });
    this.#static = new StaticFiles(options.staticDir, softphonePrefix);
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#origin = `http://${host}:${address.port}`;
    server.on('request', (request, response) => void this.#request(request, response));
    server.on('upgrade', (request, socket, head) => this.#upgrade(request, socket, head));
  }

  /** @internal the body of `startSandbox()`. */
  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    const logger = options.logger ?? silentLogger;
    // Bad seeds (a login or id used twice) fail here, before anything listens.
    const users = new UserDirectory(options.users ?? defaultSandboxUsers);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    let conference: Conference | undefined;
    try {
      conference = await Conference.start(options.janus ?? 'auto', options.janusIceInterfaces, logger);
    } catch (error) {
      server.close();
      throw error;
    }
    const sandbox = new Sandbox(server, options, logger, users, conference);
    logger.info(
      {
        api: sandbox.apiEndpoint,
        chat: sandbox.chatEndpoint,
        conference: sandbox.conferenceEndpoint ?? 'off',
        softphone: sandbox.softphoneUrl,
      },
      'ConnectyCube sandbox listening',
    );
    return sandbox;
  }

  /** Base URL of the REST API (`endpoints.api_url`, no trailing slash). */
  get apiEndpoint(): string {
    return this.#origin;
  }

  /** XMPP over WebSocket (`chatProtocol.websocket`). */
  get chatEndpoint(): string {
    return `${this.#origin.replace(/^http/, 'ws')}${chatPath}`;
  }

  /** The Janus proxy (`conference.server`), or undefined when conferences are off. */
  get conferenceEndpoint(): string | undefined {
    return this.#conference ? `${this.#origin.replace(/^http/, 'ws')}${conferencePath}` : undefined;
  }

  /** Where the web softphone is served, when the sandbox was given its folder. */
  get softphoneUrl(): string | undefined {
    const prefix = this.#static.appPrefix;
    return prefix === undefined ? undefined : `${this.#origin}${prefix}`;
  }

  get credentials(): SandboxCredentials {
    return this.#credentials;
  }

  /** The seeded and signed-up users, without passwords. */
  get users(): readonly { id: number; login: string; fullName: string }[] {
    return this.#users.all.map(({ record }) => ({
      id: record.id,
      login: record.login,
      fullName: record.full_name,
    }));
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Exactly the `config` argument of `ConnectyCube.init(credentials, config)`, in a browser or in Node. */
  sdkConfig(): SandboxSdkConfig {
    if (this.closed) throw new SandboxClosedError();
    const chatHost = new URL(this.#origin).hostname;
    const conference = this.conferenceEndpoint;
    return {
      // `chat_url` is only honoured together with `chat`; `chatProtocol.websocket` is set as well so either path works.
      endpoints: { api_url: this.apiEndpoint, chat: chatHost, chat_url: this.chatEndpoint },
      chatProtocol: { websocket: this.chatEndpoint },
      ...(conference ? { conference: { server: conference } } : {}),
      // No internet: the SDK's default Google/ConnectyCube STUN and TURN servers cannot be reached.
      videochat: { iceServers: [] },
      debug: { mode: 0 },
    };
  }

  /** Both arguments of `ConnectyCube.init`, as served to pages at `/sandbox/config.json` (no secret beyond the app's auth key). */
  clientConfig(): { credentials: { appId: number; authKey: string }; config: SandboxSdkConfig } {
    return {
      credentials: { appId: this.#credentials.appId, authKey: this.#credentials.authKey },
      config: this.sdkConfig(),
    };
  }

  /** What the admin view shows: users, live sessions (tokens shortened), who is online. */
  adminState(): AdminState {
    return {
      appId: this.#credentials.appId,
      users: this.#users.all.map(({ record }) => record),
      sessions: this.#sessions.live.map((session) => ({
        id: session.id,
        token: `${session.token.slice(0, 6)}…`,
        userId: session.userId ?? null,
        createdAt: session.createdAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
      })),
      online: this.#chat.online,
      meetings: this.#meetings.all,
      conferences: this.conferenceEndpoint === undefined ? 'off' : 'on',
    };
  }

  /** Closes sockets, chat streams, the conference proxy and Janus, then the server. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    await this.#chat.close();
    await this.#conference?.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    this.#logger.info('ConnectyCube sandbox closed');
  }

  async #request(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.#origin);
    try {
      if (url.pathname === clientConfigPath && request.method === 'GET') {
        sendJson(response, 200, this.clientConfig());
        return;
      }
      if (RestApi.owns(url.pathname)) return await this.#rest.handle(request, response, url);
      if (url.pathname === '/admin' && request.method === 'GET')
        return sendJson(response, 200, this.adminState());
      if (request.method === 'GET' && (await this.#static.serve(url.pathname, response))) return;
      sendError(response, RestError.notFound(`No route matches ${request.method} ${url.pathname}`));
    } catch (error) {
      this.#logger.warn({ err: error, path: url.pathname }, 'sandbox request failed');
      if (!response.headersSent) sendError(response, new RestError(500, { base: ['Internal error'] }));
      else response.destroy();
    }
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { pathname } = new URL(request.url ?? '/', this.#origin);
    if (pathname === chatPath && !this.closed) {
      this.#chat.handleUpgrade(request, socket, head);
      return;
    }
    if (pathname === conferencePath && this.#conference && !this.closed) {
      this.#conference.handleUpgrade(request, socket, head);
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }
}

/** Starts a sandbox on a free loopback port (or the one given) with seeded users. */
export function startSandbox(options?: SandboxOptions): Promise<Sandbox> {
  return Sandbox.start(options);
}
