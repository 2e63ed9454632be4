// Cuts a SIP byte stream (TCP) into messages by Content-Length (RFC 3261 §18.3), answering CRLF keepalive
// pings (RFC 5626 §3.5.1) and reporting framing errors, after which the connection cannot be trusted.
import type { MessageLimits } from './MessageGuard.ts';

export type FramedItem =
  | { readonly kind: 'message'; readonly data: Buffer }
  /** A double-CRLF ping: answer with a single CRLF. */
  | { readonly kind: 'ping' }
  /** The stream is broken: `head` is what could be read of the offending message's headers. */
  | { readonly kind: 'error'; readonly status: 400 | 513; readonly reason: string; readonly head: string };

const headerEnd = Buffer.from('\r\n\r\n');

export class SipStreamFramer {
  readonly #limits: MessageLimits;
  #buffer: Buffer = Buffer.alloc(0);
  #broken = false;

  constructor(limits: MessageLimits) {
    this.#limits = limits;
  }

  push(data: Buffer): FramedItem[] {
    if (this.#broken) return [];
    this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
    const items: FramedItem[] = [];
    for (;;) {
      if (this.#buffer.subarray(0, 4).equals(headerEnd)) {
        items.push({ kind: 'ping' });
        this.#buffer = this.#buffer.subarray(4);
        continue;
      }
      // A lone CRLF between messages is allowed (§7.5); it may also be the start of a ping.
      if (this.#buffer[0] === 0x0d && this.#buffer[1] === 0x0a) {
        if (this.#buffer.length < 4) return items;
        this.#buffer = this.#buffer.subarray(2);
        continue;
      }
      const end = this.#buffer.indexOf(headerEnd);
      if (end < 0) {
        if (this.#buffer.length > this.#limits.maxHeaderBytes)
          return this.#fail(items, 513, 'Message Too Large', this.#buffer.toString('utf8'));
        return items;
      }
      const head = this.#buffer.subarray(0, end).toString('utf8');
      if (end > this.#limits.maxHeaderBytes) return this.#fail(items, 513, 'Message Too Large', head);
      const lengths = [...head.matchAll(/^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)$/gim)].map((match) =>
        (match[1] ?? '').trim(),
      );
      if (lengths.length !== 1 || !/^\d{1,9}$/.test(lengths[0] ?? '')) {
        return this.#fail(items, 400, 'Bad Request (Content-Length required on a stream)', head);
      }
      const length = Number(lengths[0]);
      if (end + 4 + length > this.#limits.maxMessageBytes)
        return this.#fail(items, 513, 'Message Too Large', head);
      if (this.#buffer.length < end + 4 + length) return items;
      items.push({ kind: 'message', data: this.#buffer.subarray(0, end + 4 + length) });
      this.#buffer = this.#buffer.subarray(end + 4 + length);
    }
  }

  #fail(items: FramedItem[], status: 400 | 513, reason: string, head: string): FramedItem[] {
    this.#broken = true;
    this.#buffer = Buffer.alloc(0);
    items.push({ kind: 'error', status, reason, head });
    return items;
  }
}
