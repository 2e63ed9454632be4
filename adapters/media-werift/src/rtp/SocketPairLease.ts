// A SIP media stream's RTP/RTCP socket pair, allocated on first use and given back on close, including when the
// stream closes while the allocation is still pending (a call hung up during negotiation).

import type { RemoteInfo } from 'node:dgram';
import type { PortAllocator, SocketPair } from './PortAllocator.ts';

export interface SocketPairUser {
  /** The stream keeps the pair in its own field: its send path reads it per packet. */
  adopt(sockets: SocketPair): void;
  readonly onRtp: (message: Buffer, from: RemoteInfo) => void;
  readonly onRtcp: (message: Buffer, from: RemoteInfo) => void;
  /** What a negotiation waiting for the pair fails with when the stream closed meanwhile. */
  closedError(): Error;
}

export class SocketPairLease {
  readonly #ports: PortAllocator;
  readonly #user: SocketPairUser;
  #allocating: Promise<SocketPair> | undefined;
  #closed = false;

  constructor(ports: PortAllocator, user: SocketPairUser) {
    this.#ports = ports;
    this.#user = user;
  }

  /** The pair, allocated and wired to the stream's handlers on the first call. */
  open(): Promise<SocketPair> {
    this.#allocating ??= this.#ports.allocate().then((sockets) => {
      if (this.#closed) {
        void this.#ports.release(sockets);
        throw this.#user.closedError();
      }
      this.#user.adopt(sockets);
      sockets.rtp.on('message', this.#user.onRtp);
      sockets.rtcp.on('message', this.#user.onRtcp);
      return sockets;
    });
    return this.#allocating;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const sockets = await this.#allocating?.catch(() => undefined);
    if (sockets) await this.#ports.release(sockets);
  }
}
