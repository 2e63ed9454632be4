// The chat service: accepts XMPP-over-WebSocket clients, authenticates them, and routes stanzas between users by JID local part.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Element } from 'ltx';
import { WebSocketServer } from 'ws';
import type { OnlineResource, SandboxLogger } from '../SandboxTypes.ts';
import type { SessionStore } from '../state/SessionStore.ts';
import type { UserDirectory } from '../state/UserDirectory.ts';
import { XmppConnection, type XmppConnectionHost } from './XmppConnection.ts';
import { iqResult, ns, parseJid, userIdOfJid, userJid } from './xmpp.ts';

export interface ChatServerOptions {
  readonly appId: number;
  readonly users: UserDirectory;
  readonly sessions: SessionStore;
  readonly logger: SandboxLogger;
}

/** Large enough for any SDP; a client sending more is cut off by `ws` with close code 1009. */
const maxFrameBytes = 1 << 20;
/** The JID domain when a client gave none; routing ignores domains anyway. */
const fallbackDomain = 'localhost';

export class ChatServer {
  readonly #options: ChatServerOptions;
  readonly #webSockets = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    // The SDK's client aborts unless the server selects the `xmpp` subprotocol (RFC 7395 §3.1).
    handleProtocols: (protocols) => (protocols.has('xmpp') ? 'xmpp' : false),
  });
  readonly #connections = new Set<XmppConnection>();
  /** Online resources per user id. */
  readonly #online = new Map<number, Set<XmppConnection>>();
  /** When each user's last resource went away, for `jabber:iq:last`. */
  readonly #lastSeen = new Map<number, number>();
  readonly #startedAt = Date.now();
  #closed = false;
  /** The callbacks connections report to; private so only connections can drive them. */
  readonly #host: XmppConnectionHost = {
    authenticate: (username, password) => this.#authenticate(username, password),
    bound: (connection, userId, resource) => this.#bound(connection, userId, resource),
    stanza: (connection, stanza) => this.#route(connection, stanza),
    closed: (connection) => this.#forget(connection),
  };

  constructor(options: ChatServerOptions) {
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takes over an HTTP upgrade request for the chat path. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#webSockets.handleUpgrade(request, socket, head, (webSocket) => {
      const remote = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
      if (webSocket.protocol !== 'xmpp') {
        webSocket.close(1002, 'the xmpp subprotocol is required');
        return;
      }
      this.#connections.add(new XmppConnection(webSocket, this.#host, remote));
    });
  }

  get online(): readonly OnlineResource[] {
    return [...this.#online.values()].flatMap((connections) =>
      [...connections].map((connection) => ({
        userId: connection.userId ?? 0,
        jid: connection.jid,
        remote: connection.remote,
        since: connection.connectedAt.toISOString(),
      })),
    );
  }

  isOnline(userId: number): boolean {
    return (this.#online.get(userId)?.size ?? 0) > 0;
  }

  /**
   * Sends a call signal (`WebRTCVideoChat` headline) from one user to another on the server's behalf, as
   * `POST /calls/reject` does for apps that reject while offline from chat.
   */
  sendSignal(fromUserId: number, toUserId: number, extension: Readonly<Record<string, unknown>>): void {
    const domain = this.#anyDomain(toUserId);
    const message = new Element('message', {
      xmlns: ns.client,
      type: 'headline',
      id: crypto.randomUUID().replaceAll('-', '').slice(0, 24),
      from: userJid(fromUserId, this.#options.appId, domain, 'sandbox'),
      to: userJid(toUserId, this.#options.appId, domain),
    });
    appendExtension(message.c('extraParams', { xmlns: ns.client }), extension);
    this.#deliver(toUserId, undefined, message);
  }

  #authenticate(username: string, password: string): number | undefined {
    const userId = userIdOfJid({ local: username, domain: '', resource: '' }, this.#options.appId);
    if (userId === undefined) return undefined;
    const user = this.#options.users.byId(userId);
    if (!user) return undefined;
    // The SDK documents both the user's password and the current session token as the chat password.
    if (password === user.password) return userId;
    const session = this.#options.sessions.find(password);
    return session?.userId === userId ? userId : undefined;
  }

  #bound(connection: XmppConnection, userId: number, resource: string): string {
    let resources = this.#online.get(userId);
    if (!resources) {
      resources = new Set();
      this.#online.set(userId, resources);
    }
    // Two connections asking for the same resource: the newer one gets a unique suffix rather than a conflict.
    const taken = new Set([...resources].map((other) => parseJid(other.jid).resource));
    const unique = taken.has(resource) ? `${resource}-${crypto.randomUUID().slice(0, 8)}` : resource;
    resources.add(connection);
    this.#options.users.touch(userId);
    this.#options.logger.debug({ userId, resource: unique }, 'chat: online');
    return userJid(userId, this.#options.appId, this.#domainOf(connection), unique);
  }

  #forget(connection: XmppConnection): void {
    this.#connections.delete(connection);
    const userId = connection.userId;
    if (userId === undefined) return;
    const resources = this.#online.get(userId);
    if (!resources?.delete(connection)) return;
    if (resources.size === 0) {
      this.#online.delete(userId);
      this.#lastSeen.set(userId, Date.now());
    }
    this.#options.logger.debug({ userId }, 'chat: offline');
  }

  #route(connection: XmppConnection, stanza: Element): void {
    const to = stanza.attrs.to === undefined ? undefined : parseJid(stanza.attrs.to);
    // No `to`, or a bare domain: the stanza is for the server itself.
    if (to === undefined || to.local === '') {
      this.#serve(connection, stanza);
      return;
    }
    const userId = userIdOfJid(to, this.#options.appId);
    if (userId === undefined || !this.#options.users.byId(userId)) {
      this.#bounce(connection, stanza, 'item-not-found');
      return;
    }
    if (stanza.is('iq') && to.resource === '' && stanza.getChild('query', ns.last)) {
      this.#answerLastActivity(connection, stanza, userId);
      return;
    }
    if (!this.#deliver(userId, to.resource, stanza)) this.#bounce(connection, stanza, 'service-unavailable');
  }

  /** Delivers to one resource when it is online, else to every resource of the user; false when nobody got it. */
  #deliver(userId: number, resource: string | undefined, stanza: Element): boolean {
    const resources = [...(this.#online.get(userId) ?? [])];
    const exact = resource
      ? resources.filter((connection) => parseJid(connection.jid).resource === resource)
      : [];
    const targets = exact.length > 0 ? exact : resources;
    for (const connection of targets) connection.send(stanza);
    return targets.length > 0;
  }

  /** An undeliverable stanza: errors and results are dropped, headlines too (the caller re-sends `call` anyway). */
  #bounce(connection: XmppConnection, stanza: Element, condition: string): void {
    const type = stanza.attrs.type;
    if (type === 'error' || type === 'result' || type === 'headline' || stanza.is('presence')) return;
    connection.refuse(stanza, condition);
  }

  #serve(connection: XmppConnection, stanza: Element): void {
    if (!stanza.is('iq')) return; // initial presence and messages to the server need no answer
    const type = stanza.attrs.type;
    if (type !== 'get' && type !== 'set') return;
    const domain = this.#domainOf(connection);
    if (stanza.getChild('query', ns.roster)) {
      // No roster in the sandbox: everyone can reach everyone; answer with an empty one.
      const result = iqResult(stanza, domain);
      result.c('query', { xmlns: ns.roster });
      connection.send(result);
      return;
    }
    const known = ['ping', 'session', 'enable', 'mobile'].some((name) => stanza.getChild(name) !== undefined);
    if (known) {
      connection.send(iqResult(stanza, domain));
      return;
    }
    connection.refuse(stanza, 'feature-not-implemented');
  }

  /** XEP-0012 for a user: 0 seconds while online, else the time since their last resource left (or since start). */
  #answerLastActivity(connection: XmppConnection, stanza: Element, userId: number): void {
    const since = this.#lastSeen.get(userId) ?? this.#startedAt;
    const seconds = this.isOnline(userId) ? 0 : Math.floor((Date.now() - since) / 1000);
    const result = iqResult(stanza, userJid(userId, this.#options.appId, this.#domainOf(connection)));
    result.c('query', { xmlns: ns.last, seconds: String(seconds) });
    connection.send(result);
  }

  #domainOf(connection: XmppConnection): string {
    return connection.domain || fallbackDomain;
  }

  #anyDomain(userId: number): string {
    const first = this.#online.get(userId)?.values().next().value;
    return first ? this.#domainOf(first) : fallbackDomain;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const connection of this.#connections) connection.close();
    await new Promise<void>((resolve) => this.#webSockets.close(() => resolve()));
  }
}

/** Encodes a signal extension the way the SDK does: one element per key, arrays and objects as nested elements. */
function appendExtension(parent: Element, extension: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(extension)) {
    if (value === undefined) continue;
    if (key === 'opponentsIDs' && Array.isArray(value)) {
      const list = parent.c('opponentsIDs');
      for (const id of value) list.c('opponentID').t(String(id));
    } else if (value !== null && typeof value === 'object') {
      appendExtension(parent.c(key), value as Record<string, unknown>);
    } else {
      parent.c(key).t(String(value ?? ''));
    }
  }
}
