// What every socket transport we write for sip.js shares: the Transport callbacks and state machine, the wire
// codec (with refusals logged), and opening a listening socket that either binds or leaves nothing behind.
import type { EventEmitter } from 'node:events';
import { EmitterImpl, type Transport, TransportState } from 'sip.js';
import type { SocketAddress } from './SipResolver.ts';
import { SipWireCodec, type SipWireOptions } from './SipWireCodec.ts';

export interface SipJsLogger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export abstract class SocketTransport implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  protected readonly logger: SipJsLogger;
  protected readonly codec: SipWireCodec;
  readonly #stateChange = new EmitterImpl<TransportState>();
  #state: TransportState = TransportState.Disconnected;
  #lastSendError: string | undefined;

  constructor(logger: SipJsLogger, options: SipWireOptions, protocol: 'udp' | 'tcp' | 'tls') {
    this.logger = logger;
    this.codec = new SipWireCodec(
      {
        ...options,
        onRefused: (reason, from) => {
          logger.warn(`refused a message from ${from.address}:${from.port}: ${reason}`);
          options.onRefused?.(reason, from);
        },
      },
      protocol,
    );
  }

  abstract get protocol(): string;
  abstract connect(): Promise<void>;
  abstract disconnect(): Promise<void>;
  /** Puts one message from sip.js on the wire (resolving, connecting as needed); rejects with why not. */
  protected abstract transmit(message: string): Promise<void>;

  /**
   * Why the last message could not be sent, if it could not. sip.js turns a failed send into a bare local
   * `503 Service Unavailable`; the roles add this to the reason they report.
   */
  get lastSendError(): string | undefined {
    return this.#lastSendError;
  }

  async send(message: string): Promise<void> {
    try {
      await this.transmit(message);
      this.#lastSendError = undefined;
    } catch (error) {
      this.#lastSendError = (error as Error).message;
      this.logger.warn(`could not send ${message.slice(0, message.indexOf(' '))}: ${this.#lastSendError}`);
      throw error;
    }
  }

  /**
   * The addresses a request to `uri` would go to, so a role can fail early with the resolver's reason.
   * @throws SipResolveError
   */
  resolveUri(uri: string): Promise<readonly SocketAddress[]> {
    return this.codec.resolveUri(uri);
  }

  get state(): TransportState {
    return this.#state;
  }

  get stateChange(): EmitterImpl<TransportState> {
    return this.#stateChange;
  }

  isConnected(): boolean {
    return this.#state === TransportState.Connected;
  }

  async dispose(): Promise<void> {
    await this.disconnect();
  }

  /**
   * Bind a socket or server (`start` calls `ready` once it listens); if binding fails, close it, report the
   * transport disconnected, and rethrow.
   */
  protected async listen(
    target: EventEmitter & { close(): unknown },
    start: (ready: () => void) => void,
  ): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        target.once('error', reject);
        start(() => {
          target.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      target.close();
      this.setState(TransportState.Disconnected, error as Error);
      throw error;
    }
  }

  protected setState(state: TransportState, error?: Error): void {
    const previous = this.#state;
    this.#state = state;
    this.#stateChange.emit(state);
    if (state === TransportState.Connected) this.onConnect?.();
    if (previous === TransportState.Connected && state !== TransportState.Connected)
      this.onDisconnect?.(error);
  }
}
