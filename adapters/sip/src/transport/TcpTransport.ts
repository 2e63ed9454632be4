// SIP over TCP or TLS for sip.js: a listening socket plus connections kept per peer address; requests open
// (or reuse) a connection to their destination, responses go back on the connection the request came in on
// (RFC 3261 §18.2.2), CRLF keepalives go out on connections we opened (RFC 5626 §3.5.1). A destination with
// several addresses (DNS SRV) is tried in order until one connects (RFC 3263 §4.3). Connections that carried
// no SIP message for `idleTimeoutMs` are closed unless a call or registration still uses them. With `tls`,
// the same over TLS, verifying the server's certificate (RFC 5922) and optionally presenting our own.
import { createServer, isIP, isIPv6, type Server, type Socket, connect as tcpConnect } from 'node:net';
import {
  checkServerIdentity,
  type PeerCertificate,
  connect as tlsConnect,
  createServer as createTlsServer,
} from 'node:tls';
import { TransportState } from 'sip.js';
import { defaultMessageLimits, statelessResponse } from './MessageGuard.ts';
import type { SocketAddress } from './SipResolver.ts';
import { SipStreamFramer } from './SipStreamFramer.ts';
import type { SipWireOptions } from './SipWireCodec.ts';
import { firstHeader, parseWireMessage, type SipWireMessage, topVia } from './SipWireMessage.ts';
import { type SipJsLogger, SocketTransport } from './SocketTransport.ts';

export interface TcpTransportOptions extends SipWireOptions {
  readonly bindHost: string;
  /** Port to listen on; 0 picks a free one. */
  readonly bindPort: number;
  readonly advertisedHost?: string | undefined;
  /** CRLF keepalive on connections we opened; 0 turns it off. Default 30 s. */
  readonly keepaliveIntervalMs?: number;
  /** How long a new connection may take. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /**
   * Close a connection (accepted or opened) after this long without a SIP message, unless a Call-ID it
   * carried is still in use (see `connectionInUse`). CRLF keepalives do not count. 0 turns it off; default 120 s.
   */
  readonly idleTimeoutMs?: number;
  /** SIP over TLS instead of TCP. */
  readonly tls?: SipTlsOptions | undefined;
}

export interface SipTlsOptions {
  /** Our certificate and key (PEM): required to listen, optional as a client (mutual TLS). */
  readonly cert?: string;
  readonly key?: string;
  /** Trusted CAs (PEM) for the peer's certificate; default: Node's bundled roots. */
  readonly ca?: string;
  /** Verify the server's certificate (default true; turn off only for tests against self-signed peers). */
  readonly rejectUnauthorized?: boolean;
  /** Ask clients of our listener for a certificate, verified against `ca`. Default false. */
  readonly requestClientCertificate?: boolean;
}

const key = (address: SocketAddress): string => `${address.address}|${address.port}`;

/** What the idle timeout knows of one connection. */
interface ConnectionUse {
  readonly peer: SocketAddress;
  lastMessageAt: number;
  /** Call-IDs of the messages it carried, kept while `connectionInUse` says they are in use. */
  readonly callIds: Set<string>;
}

export class TcpTransport extends SocketTransport {
  readonly #options: TcpTransportOptions;
  readonly #connections = new Map<string, Socket>();
  readonly #opened = new Set<Socket>();
  /** RFC 3261 §18.2.2: responses go back on the connection their request came in on (by top Via branch). */
  readonly #requestConnections = new Map<string, Socket>();
  readonly #use = new Map<Socket, ConnectionUse>();
  #server: Server | undefined;
  #keepalive: NodeJS.Timeout | undefined;
  #idleSweep: NodeJS.Timeout | undefined;
  /**
   * Whether a Call-ID is still in use (a session or a registration of the user agent); set by the role once
   * the user agent exists. Unset: nothing is in use, every quiet connection is closed after the timeout.
   */
  connectionInUse: ((callId: string) => boolean) | undefined;
  /**
   * A connection we opened was closed by the far end or the network (not by our idle timeout or
   * `disconnect()`): RFC 5626 §4.4 calls that a flow failure, after which a registration over it is gone.
   */
  onFlowLost: ((peer: SocketAddress) => void) | undefined;

  constructor(logger: SipJsLogger, options: TcpTransportOptions) {
    super(logger, options, options.tls ? 'tls' : 'tcp');
    this.#options = options;
  }

  get protocol(): string {
    return this.#options.tls ? 'TLS' : 'TCP';
  }

  get localAddress(): SocketAddress | undefined {
    const address = this.#server?.address();
    return address && typeof address === 'object'
      ? { address: address.address, port: address.port }
      : undefined;
  }

  async connect(): Promise<void> {
    if (this.isConnected()) return;
    this.setState(TransportState.Connecting);
    const tls = this.#options.tls;
    const accept = (socket: Socket) => this.#adopt(socket, remoteOf(socket));
    const server = tls
      ? createTlsServer(
          {
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key } : {}),
            ...(tls.ca ? { ca: tls.ca } : {}),
            requestCert: tls.requestClientCertificate ?? false,
            rejectUnauthorized: tls.requestClientCertificate ?? false,
          },
          accept,
        )
      : createServer(accept);
    await this.listen(server, (ready) =>
      server.listen(this.#options.bindPort, this.#options.bindHost, ready),
    );
    server.on('error', (error) => this.logger.warn(`TCP server error: ${error.message}`));
    this.#server = server;
    const address = server.address();
    this.codec.setLocalAddress(
      this.#options.advertisedHost ?? this.#options.bindHost,
      typeof address === 'object' && address ? address.port : 0,
    );
    const interval = this.#options.keepaliveIntervalMs ?? 30_000;
    if (interval > 0) {
      this.#keepalive = setInterval(() => {
        for (const socket of this.#opened) socket.write('\r\n\r\n');
      }, interval);
      this.#keepalive.unref();
    }
    const idle = this.#options.idleTimeoutMs ?? 120_000;
    if (idle > 0) {
      // Checked twice per period: a quiet connection goes between 1 and 1.5 timeouts after its last message.
      this.#idleSweep = setInterval(() => this.#closeIdle(idle), Math.max(idle / 2, 50));
      this.#idleSweep.unref();
    }
    this.setState(TransportState.Connected);
  }

  async disconnect(): Promise<void> {
    if (this.state === TransportState.Disconnected) return;
    this.setState(TransportState.Disconnecting);
    clearInterval(this.#keepalive);
    clearInterval(this.#idleSweep);
    for (const socket of this.#connections.values()) socket.destroy();
    this.#connections.clear();
    this.#opened.clear();
    this.#requestConnections.clear();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.setState(TransportState.Disconnected);
  }

  protected async transmit(message: string): Promise<void> {
    if (!this.isConnected()) throw new Error(`${this.protocol} transport is not connected`);
    const { wire, parsed, destinations, host } = await this.codec.outgoing(message);
    const branch = parsed.status === undefined ? undefined : topVia(parsed)?.params.get('branch');
    const inbound = branch === undefined ? undefined : this.#requestConnections.get(branch);
    const socket =
      (inbound && !inbound.destroyed ? inbound : undefined) ??
      destinations.map((destination) => this.#connections.get(key(destination))).find(Boolean) ??
      (await this.#openFirst(destinations, host));
    this.#noteMessage(socket, parsed);
    // A final response ends the server transaction's need for the connection (2xx retransmissions, if any,
    // fall back to the Via, as for any response whose connection is gone).
    if (branch !== undefined && (parsed.status ?? 0) >= 200) this.#requestConnections.delete(branch);
    await new Promise<void>((resolve, reject) =>
      socket.write(wire, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** RFC 3263 §4.3: the addresses in order until one accepts the connection. */
  async #openFirst(destinations: readonly SocketAddress[], serverName: string | undefined): Promise<Socket> {
    const failures: string[] = [];
    for (const destination of destinations) {
      try {
        return await this.#open(destination, serverName);
      } catch (error) {
        failures.push(`${destination.address}:${destination.port} ${(error as Error).message}`);
        this.logger.debug(`${this.protocol} connection to ${destination.address}:${destination.port} failed`);
      }
    }
    throw new Error(`cannot connect to ${serverName ?? 'the destination'}: ${failures.join('; ')}`);
  }

  async #open(destination: SocketAddress, serverName: string | undefined): Promise<Socket> {
    const tls = this.#options.tls;
    const socket = tls
      ? tlsConnect({
          host: destination.address,
          port: destination.port,
          ...(serverName && !isIP(serverName) ? { servername: serverName } : {}),
          ...(tls.ca ? { ca: tls.ca } : {}),
          ...(tls.cert ? { cert: tls.cert } : {}),
          ...(tls.key ? { key: tls.key } : {}),
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
          // RFC 5922: the certificate must name the host we meant (the URI's host, even when it is an IP).
          checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
            checkServerIdentity(serverName ?? destination.address, certificate),
        })
      : tcpConnect({ host: destination.address, port: destination.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connection to ${destination.address}:${destination.port} timed out`));
      }, this.#options.connectTimeoutMs ?? 5000);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    this.#opened.add(socket);
    this.#adopt(socket, destination);
    return socket;
  }

  #adopt(socket: Socket, peer: SocketAddress): void {
    const id = key(peer);
    this.#connections.set(id, socket);
    this.#use.set(socket, { peer, lastMessageAt: Date.now(), callIds: new Set() });
    const framer = new SipStreamFramer(this.#options.limits ?? defaultMessageLimits);
    socket.on('data', (data) => {
      for (const item of framer.push(data)) {
        if (item.kind === 'ping') socket.write('\r\n');
        else if (item.kind === 'message') this.#receive(item.data, peer, socket);
        else {
          // The stream cannot be resynchronised: answer if the headers allow it, then hang up.
          this.logger.warn(
            `refused a message from ${peer.address}:${peer.port}: ${item.status} ${item.reason}`,
          );
          this.#options.onRefused?.(`${item.status} ${item.reason}`, peer);
          const parsed = parseWireMessage(`${item.head}\r\n\r\n`);
          const response =
            parsed?.method && parsed.method !== 'ACK'
              ? statelessResponse(parsed, item.status, item.reason)
              : undefined;
          if (response) socket.end(response);
          else socket.destroy();
        }
      }
    });
    socket.on('error', (error) =>
      this.logger.debug(`TCP connection ${peer.address}:${peer.port}: ${error.message}`),
    );
    socket.on('close', () => {
      if (this.#connections.get(id) === socket) this.#connections.delete(id);
      // The idle sweep forgets a connection's use before closing it, and disconnect() forgets what it opened.
      const lost = this.#opened.delete(socket) && this.#use.has(socket);
      this.#use.delete(socket);
      for (const [branch, connection] of this.#requestConnections) {
        if (connection === socket) this.#requestConnections.delete(branch);
      }
      if (lost) this.onFlowLost?.(peer);
    });
  }

  #receive(data: Buffer, from: SocketAddress, socket: Socket): void {
    try {
      const result = this.codec.incoming(data, from);
      if (result.kind === 'reply') socket.write(result.response);
      if (result.kind !== 'deliver') return;
      this.#noteMessage(socket, result.message);
      const branch =
        result.message.method === undefined ? undefined : topVia(result.message)?.params.get('branch');
      if (branch) this.#requestConnections.set(branch, socket);
      this.onMessage?.(result.text);
    } catch (error) {
      this.logger.error(
        `failed to handle a message from ${from.address}:${from.port}: ${(error as Error).message}`,
      );
    }
  }

  #noteMessage(socket: Socket, message: SipWireMessage): void {
    const use = this.#use.get(socket);
    if (!use) return;
    use.lastMessageAt = Date.now();
    const callId = firstHeader(message, 'call-id');
    if (callId) use.callIds.add(callId);
  }

  #closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const [socket, use] of this.#use) {
      if (now - use.lastMessageAt < idleMs) continue;
      for (const callId of use.callIds) if (!this.connectionInUse?.(callId)) use.callIds.delete(callId);
      if (use.callIds.size > 0) continue;
      this.logger.debug(
        `closing ${this.protocol} connection ${use.peer.address}:${use.peer.port}: no SIP message for ${idleMs} ms and no call or registration on it`,
      );
      this.#use.delete(socket);
      socket.destroy();
    }
  }
}

function remoteOf(socket: Socket): SocketAddress {
  const address = socket.remoteAddress ?? '';
  return {
    address: isIPv6(address) && address.startsWith('::ffff:') ? address.slice(7) : address,
    port: socket.remotePort ?? 0,
  };
}
