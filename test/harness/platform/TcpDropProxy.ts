// A TCP forwarder on loopback that a test can cut: every open connection is destroyed at once (a network drop
// as the client sees it), and while it is down new connections are refused.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpDropProxy {
  readonly #server: Server;
  readonly #targetPort: number;
  readonly #sockets = new Set<Socket>();
  #down = false;

  private constructor(targetPort: number) {
    this.#targetPort = targetPort;
    this.#server = createServer((client) => this.#forward(client));
  }

  /** Forwards a free port on 127.0.0.1 to `targetPort` on 127.0.0.1. */
  static async start(targetPort: number): Promise<TcpDropProxy> {
    const proxy = new TcpDropProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** A proxy in front of the port of `target` (a URL on 127.0.0.1); `url(target)` is then the way through it. */
  static inFrontOf(target: string): Promise<TcpDropProxy> {
    return TcpDropProxy.start(Number(new URL(target).port));
  }

  /** `target` with its port replaced by the proxy's. */
  url(target: string): string {
    const through = new URL(target);
    through.port = String(this.port);
    return through.toString();
  }

  get port(): number {
    const address = this.#server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy is not listening');
    return address.port;
  }

  /** How many client connections are open now. */
  get connections(): number {
    return this.#sockets.size / 2;
  }

  #forward(client: Socket): void {
    if (this.#down) {
      client.destroy();
      return;
    }
    const upstream = connect(this.#targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  /** Destroys every connection; with `stayDown`, refuses new ones until `restore()`. */
  drop(options: { stayDown?: boolean } = {}): void {
    this.#down = options.stayDown ?? false;
    for (const socket of this.#sockets) socket.destroy();
  }

  /**
   * Stops forwarding on the open connections without closing them, as a NAT or proxy that silently dropped the
   * flow: nothing arrives at either end and no one is told. New connections are forwarded as usual.
   */
  freeze(): void {
    for (const socket of this.#sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  restore(): void {
    this.#down = false;
  }

  async close(): Promise<void> {
    this.drop({ stayDown: true });
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
