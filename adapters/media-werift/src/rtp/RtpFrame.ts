// The relay's view of one RTP packet (RFC 3550 §5.1), parsed without copying the payload, and its serializer.

export interface RtpFrame {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Uint8Array;
}

/**
 * Parses an RTP packet; undefined when it is not one (wrong version, too short, bad padding).
 * CSRCs and header extensions are skipped: nothing on the SIP leg needs them and the WebRTC side rebuilds its own.
 */
export function parseRtp(buffer: Buffer): RtpFrame | undefined {
  if (buffer.length < 12) return undefined;
  const first = buffer[0] as number;
  if (first >> 6 !== 2) return undefined;
  const second = buffer[1] as number;
  const payloadType = second & 0x7f;
  // RTCP packet types 200..204 land at 72..76 once the marker bit is stripped (RFC 5761 §4): not RTP.
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  let offset = 12 + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (buffer.length < offset + 4) return undefined;
    offset += 4 + buffer.readUInt16BE(offset + 2) * 4;
  }
  let end = buffer.length;
  if (first & 0x20) end -= buffer[buffer.length - 1] as number;
  if (end < offset) return undefined;
  return {
    payloadType,
    marker: (second & 0x80) !== 0,
    sequenceNumber: buffer.readUInt16BE(2),
    timestamp: buffer.readUInt32BE(4),
    ssrc: buffer.readUInt32BE(8),
    payload: buffer.subarray(offset, end),
  };
}

/** Writes a 12-byte header and the payload into `out` (allocated when absent); returns the bytes written. */
export function serializeRtp(
  frame: RtpFrame,
  out: Buffer = Buffer.allocUnsafe(12 + frame.payload.length),
): Buffer {
  out[0] = 0x80;
  out[1] = (frame.marker ? 0x80 : 0) | (frame.payloadType & 0x7f);
  out.writeUInt16BE(frame.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(frame.timestamp >>> 0, 4);
  out.writeUInt32BE(frame.ssrc >>> 0, 8);
  out.set(frame.payload, 12);
  return out.subarray(0, 12 + frame.payload.length);
}

export function randomUint32(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0;
}
