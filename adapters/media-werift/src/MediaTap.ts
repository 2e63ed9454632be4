// A tap on one leg's media for plugins (recording, conferencing): packets are copied and delivered later, on a
// macrotask, so a slow subscriber can never hold up forwarding; beyond the buffer, packets are dropped and counted.

import type { MediaPacket, MediaTap as MediaTapPort } from '@cubebridge/core';
import { type Observable, Subject } from 'rxjs';

export class WeriftMediaTap implements MediaTapPort {
  readonly kind: 'audio' | 'video' | undefined;
  readonly #subject = new Subject<MediaPacket>();
  readonly #queue: MediaPacket[] = [];
  readonly #capacity: number;
  readonly #onClose: (tap: WeriftMediaTap) => void;
  #scheduled: NodeJS.Immediate | undefined;
  #dropped = 0;
  #closed = false;

  constructor(kind: 'audio' | 'video' | undefined, capacity: number, onClose: (tap: WeriftMediaTap) => void) {
    this.kind = kind;
    this.#capacity = capacity;
    this.#onClose = onClose;
  }

  get packets$(): Observable<MediaPacket> {
    return this.#subject.asObservable();
  }

  get dropped(): number {
    return this.#dropped;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Called on the forwarding path: O(1), copies the payload (the caller reuses its buffers). */
  offer(packet: MediaPacket): void {
    if (this.#closed || (this.kind !== undefined && packet.kind !== this.kind)) return;
    if (this.#queue.length >= this.#capacity) {
      this.#dropped++;
      return;
    }
    this.#queue.push({ ...packet, payload: Uint8Array.prototype.slice.call(packet.payload) });
    this.#scheduled ??= setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    this.#scheduled = undefined;
    const batch = this.#queue.splice(0, this.#queue.length);
    for (const packet of batch) {
      if (this.#closed) return;
      this.#subject.next(packet);
    }
  };

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#queue.length = 0;
    this.#subject.complete();
    this.#onClose(this);
  }
}
