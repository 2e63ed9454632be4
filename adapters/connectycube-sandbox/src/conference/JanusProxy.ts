// The WebSocket proxy at the SDK's `conference.server`: forwards the Janus API to a stock Janus 1.1.2, fixing the
// three things it would refuse from the SDK (legacy `ptype: listener`, string room ids, rooms that do not exist yet).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { SandboxLogger } from '../SandboxTypes.ts';
import { RoomDirectory } from './RoomDirectory.ts';

const subprotocol = 'janus-protocol';
/** Transactions the proxy sends on its own behalf start with this, so their answers are not passed to the client. */
const ownTransactionPrefix = 'cubebridge-proxy-';
const createTimeoutMs = 10_000;

type JanusMessage = Record<string, unknown> & {
  janus?: string;
  transaction?: string;
  body?: Record<string, unknown>;
};

export class JanusProxy {
  readonly #janusUrl: string;
  readonly #logger: SandboxLogger;
  readonly #rooms = new RoomDirectory();
  readonly #server = new WebSocketServer({
    noServer: true,
    maxPayload: 1 << 20,
    handleProtocols: (protocols) => (protocols.has(subprotocol) ? subprotocol : false),
  });
  readonly #pairs = new Set<{ client: WebSocket; upstream: WebSocket }>();
  #closed = false;

  constructor(janusUrl: string, logger: SandboxLogger) {
    this.#janusUrl = janusUrl;
    this.#logger = logger;
  }

  get closed(): boolean {
    return this.#closed;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#server.handleUpgrade(request, socket, head, (client) => this.#pair(client));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const { client, upstream } of this.#pairs) {
      client.terminate();
      upstream.terminate();
    }
    this.#pairs.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** One upstream connection to Janus per client; client messages are handled strictly in order. */
  #pair(client: WebSocket): void {
    const upstream = new WebSocket(this.#janusUrl, subprotocol);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const opened = new Promise<void>((resolve, reject) => {
      upstream.once('open', () => resolve());
      upstream.once('error', reject);
    });
    opened.catch(() => undefined);
    const ownAnswers = new Map<string, (message: JanusMessage) => void>();
    let queue = Promise.resolve();

    upstream.on('message', (data) => {
      const text = data.toString('utf8');
      const message = parse(text);
      const waiter = message?.transaction ? ownAnswers.get(message.transaction) : undefined;
      if (waiter) {
        // Janus acks a plugin message before it answers; only the answer settles the wait.
        if (message?.janus !== 'ack') waiter(message as JanusMessage);
        return;
      }
      if (client.readyState === client.OPEN) client.send(text);
    });
    client.on('message', (data) => {
      const text = data.toString('utf8');
      queue = queue.then(async () => {
        await opened;
        const message = parse(text);
        if (message) await this.#prepare(message, upstream, ownAnswers);
        if (upstream.readyState === upstream.OPEN) upstream.send(message ? JSON.stringify(message) : text);
      });
      queue.catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'conference proxy: dropping the connection');
        client.terminate();
      });
    });
    const closeBoth = (): void => {
      this.#pairs.delete(pair);
      client.terminate();
      upstream.terminate();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  }

  /** Rewrites a video room request in place, creating its room first when it is the first join. */
  async #prepare(
    message: JanusMessage,
    upstream: WebSocket,
    ownAnswers: Map<string, (message: JanusMessage) => void>,
  ): Promise<void> {
    const body = message.janus === 'message' ? message.body : undefined;
    if (!body || typeof body !== 'object') return;
    if (body.room !== undefined && body.room !== null) body.room = this.#rooms.numericId(body.room);
    // Janus 1.1.2 dropped the legacy name; the SDK still sends it for remote feeds.
    if (body.ptype === 'listener') body.ptype = 'subscriber';
    const joining = body.request === 'join' || body.request === 'joinandconfigure';
    if (!joining || typeof body.room !== 'number' || this.#rooms.isCreated(body.room)) return;
    const transaction = `${ownTransactionPrefix}${crypto.randomUUID()}`;
    const answer = new Promise<JanusMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`janus did not answer create room ${body.room}`)),
        createTimeoutMs,
      );
      ownAnswers.set(transaction, (reply) => {
        clearTimeout(timer);
        ownAnswers.delete(transaction);
        resolve(reply);
      });
    });
    upstream.send(
      JSON.stringify({
        janus: 'message',
        session_id: message.session_id,
        handle_id: message.handle_id,
        transaction,
        body: {
          request: 'create',
          room: body.room,
          publishers: 16,
          audiocodec: 'opus',
          videocodec: 'vp8',
          permanent: false,
        },
      }),
    );
    const reply = await answer;
    const data = (reply.plugindata as { data?: { videoroom?: string; error_code?: number } } | undefined)
      ?.data;
    // 427: the room exists already (another proxy connection created it first) — as good as created.
    if (data?.videoroom === 'created' || data?.error_code === 427) this.#rooms.markCreated(body.room);
    else this.#logger.warn({ room: body.room, reply: data }, 'conference proxy: room creation failed');
  }
}

function parse(text: string): JanusMessage | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as JanusMessage)
      : undefined;
  } catch {
    return undefined;
  }
}
