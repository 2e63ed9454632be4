// SIP over UDP for sip.js (which only ships WebSocket): datagrams in and out through the shared wire codec,
// plus what only an unreliable transport needs: retransmissions (timers A/E/G).
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { EmitterImpl, type Transport, TransportState } from 'sip.js';
import { Retransmitter, type RetransmitTimers } from './Retransmitter.ts';
import type { SocketAddress } from './resolveSipTarget.ts';
import { SipWireCodec, type SipWireOptions } from './SipWireCodec.ts';
import { parseWireMessage } from './SipWireMessage.ts';

export interface UdpTransportOptions extends SipWireOptions {
  /** Address to bind. */
  readonly bindHost: string;
  /** Port to bind; 0 picks a free one. */
  readonly bindPort: number;
  /** Host to advertise in Via and Contact; defaults to `bindHost`. */
  readonly advertisedHost?: string | undefined;
  readonly timers?: RetransmitTimers;
}

export interface SipJsLogger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const defaultTimers: RetransmitTimers = { t1Ms: 500, t2Ms: 4000 };

export class UdpTransport implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  readonly #logger: SipJsLogger;
  readonly #options: UdpTransportOptions;
  readonly #codec: SipWireCodec;
  readonly #stateChange = new EmitterImpl<TransportState>();
  readonly #retransmitter: Retransmitter;
  #state: TransportState = TransportState.Disconnected;
  #socket: dgram.Socket | undefined;

  constructor(logger: SipJsLogger, options: UdpTransportOptions) {
    this.#logger = logger;
    this.#options = options;
    this.#codec = new SipWireCodec(
      {
        ...options,
        onRefused: (reason, from) => {
          logger.warn(`refused a message from ${from.address}:${from.port}: ${reason}`);
          options.onRefused?.(reason, from);
        },
      },
      'udp',
    );
    this.#retransmitter = new Retransmitter(options.timers ?? defaultTimers);
  }

  get protocol(): string {
    return 'UDP';
  }

  get state(): TransportState {
    return this.#state;
  }

  get stateChange(): EmitterImpl<TransportState> {
    return this.#stateChange;
  }

  /** The bound address, once connected. */
  get localAddress(): SocketAddress | undefined {
    const address = this.#socket?.address();
    return address ? { address: address.address, port: address.port } : undefined;
  }

  isConnected(): boolean {
    return this.#state === TransportState.Connected;
  }

  async connect(): Promise<void> {
    if (this.#state === TransportState.Connected) return;
    this.#setState(TransportState.Connecting);
    const socket = dgram.createSocket(isIPv6(this.#options.bindHost) ? 'udp6' : 'udp4');
    socket.on('message', (data, remote) =>
      this.#receive(data, { address: remote.address, port: remote.port }),
    );
    socket.on('error', (error) => this.#logger.warn(`UDP socket error: ${error.message}`));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(this.#options.bindPort, this.#options.bindHost, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.close();
      this.#setState(TransportState.Disconnected, error as Error);
      throw error;
    }
    this.#socket = socket;
    this.#codec.setLocalAddress(
      this.#options.advertisedHost ?? this.#options.bindHost,
      socket.address().port,
    );
    this.#setState(TransportState.Connected);
  }

  async disconnect(): Promise<void> {
    if (this.#state === TransportState.Disconnected) return;
    this.#setState(TransportState.Disconnecting);
    this.#retransmitter.close();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.#setState(TransportState.Disconnected);
  }

  async dispose(): Promise<void> {
    await this.disconnect();
  }

  async send(message: string): Promise<void> {
    const socket = this.#socket;
    if (!socket || !this.isConnected()) throw new Error('UDP transport is not connected');
    const { wire, parsed, destination } = await this.#codec.outgoing(message);
    await new Promise<void>((resolve, reject) =>
      socket.send(wire, destination.port, destination.address, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    this.#retransmitter.sent(parsed, () => {
      if (this.#socket === socket) socket.send(wire, destination.port, destination.address);
    });
  }

  #receive(data: Buffer, from: SocketAddress): void {
    try {
      if (data.toString('latin1').trim() === '') return; // CRLF keepalive
      const result = this.#codec.incoming(data, from);
      if (result.kind === 'reply') this.#replyTo(result.response, from);
      if (result.kind !== 'deliver') return;
      this.#retransmitter.received(result.message);
      this.onMessage?.(result.text);
    } catch (error) {
      // Whatever sip.js throws on one message must not take the socket (or the process) down.
      this.#logger.error(
        `failed to handle a message from ${from.address}:${from.port}: ${(error as Error).message}`,
      );
    }
  }

  #replyTo(response: string, from: SocketAddress): void {
    const parsed = parseWireMessage(response);
    if (!parsed) return;
    this.#codec
      .responseDestination(parsed)
      .catch(() => from)
      .then(
        (destination) => this.#socket?.send(response, destination.port, destination.address),
        () => undefined,
      );
  }

  #setState(state: TransportState, error?: Error): void {
    const previous = this.#state;
    this.#state = state;
    this.#stateChange.emit(state);
    if (state === TransportState.Connected) this.onConnect?.();
    if (previous === TransportState.Connected && state !== TransportState.Connected)
      this.onDisconnect?.(error);
  }
}
