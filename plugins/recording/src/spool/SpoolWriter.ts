// Writes one leg's tapped packets to its spool file as they come. The gateway's side of recording: no decoding,
// one buffer copy per packet, and a bound on what may wait for the disk (beyond it packets are dropped, counted).
import { createWriteStream, type WriteStream } from 'node:fs';
import type { MediaPacket } from '@cubebridge/core';
import { encodeSpoolHeader, encodeSpoolPacket } from './SpoolFormat.ts';

const maxPendingBytes = 4 * 1024 * 1024;

export class SpoolWriter {
  readonly path: string;
  readonly #stream: WriteStream;
  readonly #startedAt: number;
  readonly #codecs = new Set<string>();
  #packets = 0;
  #dropped = 0;
  #error: Error | undefined;
  #closing: Promise<void> | undefined;

  /** `startedAt` is the `performance.now()` the call's recording counts arrival times from. */
  constructor(path: string, startedAt: number) {
    this.path = path;
    this.#startedAt = startedAt;
    this.#stream = createWriteStream(path, { flags: 'w' });
    this.#stream.on('error', (error) => {
      this.#error ??= error;
    });
    this.#stream.write(encodeSpoolHeader());
  }

  get packets(): number {
    return this.#packets;
  }

  /** Packets not written because the disk fell behind (or failed). */
  get dropped(): number {
    return this.#dropped;
  }

  get codecs(): readonly string[] {
    return [...this.#codecs];
  }

  get error(): Error | undefined {
    return this.#error;
  }

  write(packet: MediaPacket): void {
    if (this.#closing || this.#error || this.#stream.writableLength > maxPendingBytes) {
      this.#dropped++;
      return;
    }
    this.#codecs.add(`${packet.codec}/${packet.clockRate}`);
    this.#stream.write(encodeSpoolPacket({ ...packet, arrivalMs: packet.receivedAt - this.#startedAt }));
    this.#packets++;
  }

  /** Flushes and closes the file; resolves once it is on disk (or the stream failed: see `error`). */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.#stream.destroyed) return resolve();
      this.#stream.end(() => resolve());
      this.#stream.once('error', () => resolve());
    });
    return this.#closing;
  }
}
