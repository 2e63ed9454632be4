// RFC 4733 telephone-event payloads: the 4-byte event format, digit names, and end-packet de-duplication.

const DIGITS = '0123456789*#ABCD';

export interface TelephoneEvent {
  readonly event: number;
  readonly end: boolean;
  readonly volume: number;
  /** In RTP clock ticks of the stream carrying it. */
  readonly duration: number;
}

export function digitToEvent(digit: string): number {
  const index = DIGITS.indexOf(digit.toUpperCase());
  if (index < 0 || digit.length !== 1) throw new RangeError(`not a DTMF digit: "${digit}"`);
  return index;
}

export function eventToDigit(event: number): string | undefined {
  return DIGITS[event];
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0] as number,
    end: ((payload[1] as number) & 0x80) !== 0,
    volume: (payload[1] as number) & 0x3f,
    duration: ((payload[2] as number) << 8) | (payload[3] as number),
  };
}

export function serializeTelephoneEvent(
  event: TelephoneEvent,
  out: Uint8Array = new Uint8Array(4),
): Uint8Array {
  out[0] = event.event;
  out[1] = (event.end ? 0x80 : 0) | (event.volume & 0x3f);
  const duration = Math.min(event.duration, 0xffff);
  out[2] = duration >> 8;
  out[3] = duration & 0xff;
  return out;
}

/**
 * Reports each digit once although RFC 4733 §2.5.1.4 repeats the end packet (three times, usually): an event is
 * identified by its RTP timestamp, which every packet of it shares.
 */
export class TelephoneEventDeduplicator {
  #lastTimestamp = -1;
  #lastSsrc = -1;

  /** The finished digit when this packet ends an event not yet reported, otherwise undefined. */
  accept(ssrc: number, timestamp: number, event: TelephoneEvent): string | undefined {
    if (!event.end) return undefined;
    if (ssrc === this.#lastSsrc && timestamp === this.#lastTimestamp) return undefined;
    this.#lastSsrc = ssrc;
    this.#lastTimestamp = timestamp;
    return eventToDigit(event.event);
  }
}
