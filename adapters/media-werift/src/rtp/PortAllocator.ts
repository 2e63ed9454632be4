// Hands out RTP/RTCP socket pairs (even RTP port, RTCP on the next one, RFC 3550 §11) from the configured range.

import { createSocket, type Socket } from 'node:dgram';
import { PortRangeExhaustedError } from '../errors.ts';

export interface SocketPair {
  readonly rtp: Socket;
  readonly rtcp: Socket;
  readonly port: number;
}

export class PortAllocator {
  readonly #range: readonly [number, number];
  readonly #address: string;
  readonly #inUse = new Set<number>();
  #next: number;

  constructor(range: readonly [number, number], address: string) {
    this.#range = range;
    this.#address = address;
    const evenSlots = Math.floor((range[1] - range[0]) / 2);
    this.#next = range[0] + (range[0] % 2) + 2 * Math.floor(Math.random() * Math.max(1, evenSlots));
  }

  async allocate(): Promise<SocketPair> {
    const [low, high] = this.#range;
    const first = low + (low % 2);
    const slots = Math.max(1, Math.floor((high - first) / 2));
    for (let attempt = 0; attempt < slots; attempt++) {
      const port = this.#next;
      this.#next = this.#next + 2 > high - 1 ? first : this.#next + 2;
      if (this.#inUse.has(port)) continue;
      const rtp = await this.#bind(port);
      if (!rtp) continue;
      const rtcp = await this.#bind(port + 1);
      if (!rtcp) {
        await new Promise<void>((resolve) => rtp.close(() => resolve()));
        continue;
      }
      this.#inUse.add(port);
      return { rtp, rtcp, port };
    }
    throw new PortRangeExhaustedError(this.#range);
  }

  /** Closes both sockets; resolves once they are really closed, so no handle outlives the session. */
  async release(pair: SocketPair): Promise<void> {
    this.#inUse.delete(pair.port);
    await Promise.all(
      [pair.rtp, pair.rtcp].map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
    );
  }

  #bind(port: number): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const socket = createSocket({ type: this.#address.includes(':') ? 'udp6' : 'udp4' });
      socket.once('error', () => {
        try {
          socket.close();
        } catch {
          // Already closed by the failed bind: nothing left to release.
        }
        resolve(undefined);
      });
      socket.bind(port, this.#address, () => {
        socket.removeAllListeners('error');
        resolve(socket);
      });
    });
  }
}
