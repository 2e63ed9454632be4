// One ConnectyCube user the gateway represents: its SDK instance, REST session and chat connection (with
// reconnect), and the signals it sends and receives. Signals must come from the user they claim to be.
import type { GatewayEvent, Logger } from '@cubebridge/core';
import { Subject } from 'rxjs';
import { platformUri } from './addresses.ts';
import type { ResolvedOptions, UserCredentials } from './ConnectyCubeOptions.ts';
import { IdentityLoginError, InvalidStateError } from './errors.ts';
import { type ConnectyCubeSdk, createSdkInstance } from './sdk.ts';
import { type CallSignal, parseSignal, signalExtension } from './signals.ts';

export interface ReceivedSignal {
  readonly from: number;
  readonly signal: CallSignal;
}

export interface ReceivedSystemMessage {
  readonly from: number;
  readonly extension: unknown;
}

export interface IdentityOptions {
  readonly credentials: UserCredentials;
  /** The SIP identity this user stands for (mirrored mode). */
  readonly sip?: string;
  readonly displayName?: string;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly emit: (event: GatewayEvent) => void;
}

type Stanza = () => void;

export class Identity {
  readonly sip: string | undefined;
  readonly displayName: string | undefined;
  /** Call signals addressed to this user. */
  readonly signals$ = new Subject<ReceivedSignal>();
  /** System messages addressed to this user (DTMF from apps arrives this way). */
  readonly systemMessages$ = new Subject<ReceivedSystemMessage>();
  readonly #credentials: UserCredentials;
  readonly #options: ResolvedOptions;
  readonly #logger: Logger;
  readonly #emit: (event: GatewayEvent) => void;
  #sdk: ConnectyCubeSdk | undefined;
  #userId: number | undefined;
  /** Stanzas written while the chat was down, sent in order once it is back. */
  #pending: Stanza[] = [];
  /** The promise of the stanza written last, caught so that a failed write is never an unhandled rejection. */
  #lastWrite: Promise<void> = Promise.resolve();
  #reconnectAttempt = 0;
  #keepalive: NodeJS.Timeout | undefined;
  #pinging = false;
  /** Counts chat disconnections, so a ping that failed on an old connection never cuts the new one. */
  #connectionGeneration = 0;
  #closed = false;

  constructor(options: IdentityOptions) {
    this.#credentials = options.credentials;
    this.sip = options.sip;
    this.displayName = options.displayName;
    this.#options = options.options;
    this.#logger = options.logger;
    this.#emit = options.emit;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The ConnectyCube user id; known once started. */
  get userId(): number {
    if (this.#userId === undefined)
      throw new InvalidStateError('ConnectyCube identity', 'new', 'be used before start()');
    return this.#userId;
  }

  get uri(): string {
    return platformUri(this.userId);
  }

  get online(): boolean {
    return this.#sdk?.chat.connectionStatus === 'online';
  }

  /** Creates the REST session (logging the user in) and connects chat. Rejects on bad credentials. */
  async start(): Promise<void> {
    const sdk = createSdkInstance(this.#options);
    this.#sdk = sdk;
    const session = await sdk
      .createSession({ ...this.#credentials })
      .catch((error: unknown) => Promise.reject(new IdentityLoginError(this.#loginName, 'session', error)));
    this.#userId = session.user_id;
    this.#logger.info({ identity: this.uri }, 'ConnectyCube session created');
    this.#wireChat(sdk);
    await sdk.chat
      .connect({ userId: this.userId, password: this.#credentials.password })
      .catch((error: unknown) => Promise.reject(new IdentityLoginError(this.#loginName, 'chat', error)));
    this.#emit({ type: 'platform.connected', identity: this.uri, at: Date.now() });
    this.#keepalive = setInterval(() => void this.#checkChat(), this.#options.keepaliveIntervalMs);
  }

  /** A connection that went silent without closing is only noticed by asking: ping, and cut it if unanswered. */
  async #checkChat(): Promise<void> {
    const chat = this.#sdk?.chat;
    if (!chat || !this.online || this.#pinging || this.#closed) return;
    this.#pinging = true;
    const generation = this.#connectionGeneration;
    try {
      await chat.pingWithTimeout(Math.min(10_000, this.#options.keepaliveIntervalMs));
    } catch {
      if (this.#closed || !this.online || generation !== this.#connectionGeneration) return;
      this.#logger.warn({ identity: this.uri }, 'chat ping unanswered; closing the connection to reconnect');
      // The XMPP client's WebSocket is `ws` in Node: terminate() closes at once, where close() would wait for a
      // closing handshake the silent peer never sends. The close starts the SDK's reconnect.
      const { socket } = chat.xmppClient as unknown as { socket?: { socket?: { terminate?: () => void } } };
      socket?.socket?.terminate?.();
    } finally {
      this.#pinging = false;
    }
  }

  get #loginName(): string {
    return 'login' in this.#credentials ? this.#credentials.login : this.#credentials.email;
  }

  #wireChat(sdk: ConnectyCubeSdk): void {
    const chat = sdk.chat;
    const client = chat.xmppClient;
    const sendOnline = client.sendOnline.bind(client);
    client.sendOnline = (element, ...args) => {
      const write = sendOnline(element, ...args);
      this.#lastWrite = write;
      write.catch((error: unknown) =>
        this.#logger.debug({ identity: this.uri, error: String(error) }, 'chat write failed'),
      );
      return write;
    };
    chat.webrtcSignalingProcessor = {
      onMessage: (from: number, extension: unknown) => {
        const signal = parseSignal(extension);
        if (signal && !this.#closed) this.signals$.next({ from, signal });
      },
    } as unknown as typeof chat.webrtcSignalingProcessor;
    chat.onSystemMessageListener = (message) => {
      if (!this.#closed) this.systemMessages$.next({ from: message.userId, extension: message.extension });
    };
    chat.onDisconnectedListener = () => {
      this.#connectionGeneration += 1;
      if (this.#closed) return;
      this.#logger.warn({ identity: this.uri }, 'chat connection lost; the SDK reconnects');
      this.#emit({ type: 'platform.disconnected', identity: this.uri, at: Date.now() });
    };
    chat.onReconnectListener = () => {
      if (this.#closed) return;
      this.#reconnectAttempt = 0;
      this.#logger.info({ identity: this.uri, pending: this.#pending.length }, 'chat reconnected');
      this.#emit({ type: 'platform.connected', identity: this.uri, at: Date.now() });
      this.#flush();
    };
    client.reconnect.on('reconnecting', () => {
      if (this.#closed) return;
      this.#reconnectAttempt += 1;
      this.#emit({
        type: 'platform.reconnecting',
        identity: this.uri,
        attempt: this.#reconnectAttempt,
        at: Date.now(),
      });
    });
  }

  /** Sends a call signal to a user; while chat is down it waits and goes out after the reconnect. */
  sendSignal(to: number, signal: CallSignal): Promise<void> {
    return this.#write(() =>
      this.#chat().sendWebRTCSignalingMessage(to, { extension: signalExtension(signal) }),
    );
  }

  /** Sends a system message (`moduleIdentifier: SystemNotifications`) to a user. */
  sendSystemMessage(to: number, extension: Record<string, string>): Promise<void> {
    return this.#write(() => this.#chat().sendSystemMessage(to, { extension }));
  }

  /**
   * Rejects a call through REST (`POST /calls/reject`), which the platform turns into a `reject` signal: the
   * way to refuse a call when chat is down. A 401 means the session expired: a new one is made, once.
   */
  async rejectThroughRest(
    sessionID: string,
    recipientId: number,
    userInfo: Record<string, string>,
  ): Promise<void> {
    // `utils` is the SDK's Utils class (static getUrl), typed as an instance.
    const utils = this.#requireSdk().utils as unknown as { getUrl(route: string, id?: string): string };
    const request = () =>
      this.#requireSdk().service.ajax({
        type: 'POST' as Parameters<ConnectyCubeSdk['service']['ajax']>[0]['type'],
        url: utils.getUrl('calls', 'reject'),
        data: { sessionID, recipientId, platform: 'web', userInfo },
      });
    try {
      await request();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 401) throw error;
      this.#logger.info({ identity: this.uri }, 'REST session expired; creating a new one');
      await this.#requireSdk().createSession({ ...this.#credentials });
      await request();
    }
  }

  #write(stanza: () => void): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidStateError('ConnectyCube identity', 'closed', 'send'));
    if (!this.online) {
      this.#pending.push(stanza);
      return Promise.resolve();
    }
    stanza();
    // The SDK discards the promise of its write; the wrapped sendOnline kept it for us.
    return this.#lastWrite.catch(() => {
      this.#pending.push(stanza);
    });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const stanza of pending) void this.#write(stanza);
  }

  #chat(): ConnectyCubeSdk['chat'] {
    return this.#requireSdk().chat;
  }

  #requireSdk(): ConnectyCubeSdk {
    if (!this.#sdk) throw new InvalidStateError('ConnectyCube identity', 'new', 'be used before start()');
    return this.#sdk;
  }

  /** Disconnects chat and ends the REST session. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepalive);
    this.#pending = [];
    this.signals$.complete();
    this.systemMessages$.complete();
    const sdk = this.#sdk;
    if (!sdk) return;
    const identity = this.#userId === undefined ? undefined : this.uri;
    await sdk.chat.disconnect().catch(() => false);
    await sdk.destroySession().catch(() => undefined);
    if (identity) this.#emit({ type: 'platform.disconnected', identity, at: Date.now() });
  }
}
