// SIP over UDP for sip.js (which only ships WebSocket): datagrams in and out through the shared wire codec,
// plus what only an unreliable transport needs: retransmissions (timers A/E/G), and, as nothing tells a dead
// UDP peer from a live one, remembering addresses whose requests went unanswered so that the next request
// goes to the next address of the destination (RFC 3263 §4.3), e.g. the next SRV target.
import dgram from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';
import { TransportState } from 'sip.js';
import { useDatagramTransactionTimers } from './datagramTransactionTimers.ts';
import { Retransmitter, type RetransmitTimers } from './Retransmitter.ts';
import type { SocketAddress } from './SipResolver.ts';
import type { SipWireOptions } from './SipWireCodec.ts';
import { parseWireMessage } from './SipWireMessage.ts';
import { type SipJsLogger, SocketTransport } from './SocketTransport.ts';

export interface UdpTransportOptions extends SipWireOptions {
  /** Address to bind. */
  readonly bindHost: string;
  /** Port to bind; 0 picks a free one. */
  readonly bindPort: number;
  /** Host to advertise in Via and Contact; defaults to `bindHost`. */
  readonly advertisedHost?: string | undefined;
  readonly timers?: RetransmitTimers;
}

const defaultTimers: RetransmitTimers = { t1Ms: 500, t2Ms: 4000 };
/** How long an address that let a request time out is passed over, while its destination has another. */
const unansweredHoldMs = 5 * 60_000;
const key = (address: SocketAddress): string => `${address.address}|${address.port}`;

export class UdpTransport extends SocketTransport {
  readonly #options: UdpTransportOptions;
  readonly #retransmitter: Retransmitter;
  /** Address → until when it is passed over (it let a request time out and has not spoken since). */
  readonly #unanswered = new Map<string, number>();
  #socket: dgram.Socket | undefined;

  constructor(logger: SipJsLogger, options: UdpTransportOptions) {
    super(logger, options, 'udp');
    this.#options = options;
    this.#retransmitter = new Retransmitter(options.timers ?? defaultTimers);
    useDatagramTransactionTimers();
  }

  get protocol(): string {
    return 'UDP';
  }

  /** The bound address, once connected. */
  get localAddress(): SocketAddress | undefined {
    const address = this.#socket?.address();
    return address ? { address: address.address, port: address.port } : undefined;
  }

  async connect(): Promise<void> {
    if (this.isConnected()) return;
    this.setState(TransportState.Connecting);
    const socket = dgram.createSocket(isIPv6(this.#options.bindHost) ? 'udp6' : 'udp4');
    socket.on('message', (data, remote) =>
      this.#receive(data, { address: remote.address, port: remote.port }),
    );
    socket.on('error', (error) => this.logger.warn(`UDP socket error: ${error.message}`));
    await this.listen(socket, (ready) => socket.bind(this.#options.bindPort, this.#options.bindHost, ready));
    this.#socket = socket;
    this.codec.setLocalAddress(this.#options.advertisedHost ?? this.#options.bindHost, socket.address().port);
    this.setState(TransportState.Connected);
  }

  async disconnect(): Promise<void> {
    if (this.state === TransportState.Disconnected) return;
    this.setState(TransportState.Disconnecting);
    this.#retransmitter.close();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.setState(TransportState.Disconnected);
  }

  protected async transmit(message: string): Promise<void> {
    const socket = this.#socket;
    if (!socket || !this.isConnected()) throw new Error('UDP transport is not connected');
    const { wire, parsed, destinations } = await this.codec.outgoing(message);
    // The first address of our socket's family that has not just let a request time out.
    const family = socket.address().family === 'IPv6' ? 6 : 4;
    const usable = destinations.filter((each) => isIP(each.address) === family);
    const candidates = usable.length > 0 ? usable : destinations;
    const now = Date.now();
    const destination =
      candidates.find((each) => (this.#unanswered.get(key(each)) ?? 0) <= now) ?? candidates[0];
    if (!destination) throw new Error('no destination');
    await new Promise<void>((resolve, reject) =>
      socket.send(wire, destination.port, destination.address, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    this.#retransmitter.sent(
      parsed,
      () => {
        if (this.#socket === socket) socket.send(wire, destination.port, destination.address);
      },
      () => {
        this.logger.warn(
          `no answer from ${destination.address}:${destination.port}: passing it over while there is another address`,
        );
        this.#unanswered.set(key(destination), Date.now() + unansweredHoldMs);
      },
    );
  }

  #receive(data: Buffer, from: SocketAddress): void {
    try {
      this.#unanswered.delete(key(from)); // it speaks again
      if (data.toString('latin1').trim() === '') return; // CRLF keepalive
      const result = this.codec.incoming(data, from);
      if (result.kind === 'reply') this.#replyTo(result.response, from);
      if (result.kind !== 'deliver') return;
      this.#retransmitter.received(result.message);
      this.onMessage?.(result.text);
    } catch (error) {
      // Whatever sip.js throws on one message must not take the socket (or the process) down.
      this.logger.error(
        `failed to handle a message from ${from.address}:${from.port}: ${(error as Error).message}`,
      );
    }
  }

  #replyTo(response: string, from: SocketAddress): void {
    const parsed = parseWireMessage(response);
    if (!parsed) return;
    this.codec
      .responseDestination(parsed)
      .catch(() => from)
      .then(
        (destination) => this.#socket?.send(response, destination.port, destination.address),
        () => undefined,
      );
  }
}
