// The spool: one file per call leg holding the leg's RTP audio as it arrived, undecoded, so the gateway's hot
// path only copies bytes. Layout (all integers big-endian):
//   file header  8 bytes  ASCII "CBSPOOL1"
//   per packet   u16 length of the rest of the record
//                f64 arrival, ms since the recording started (the same clock for both legs of a call)
//                u32 RTP timestamp · u16 sequence number · u32 SSRC · u32 clock rate
//                u8 payload type · u8 flags (bit 0: marker) · u8 codec name length · codec name (ASCII, as in SDP)
//                payload (the RTP payload only, no RTP header)

export const spoolMagic = 'CBSPOOL1';
const fixedRecordBytes = 8 + 4 + 2 + 4 + 4 + 1 + 1 + 1;

export interface SpoolPacket {
  readonly arrivalMs: number;
  readonly timestamp: number;
  readonly sequenceNumber: number;
  readonly ssrc: number;
  readonly clockRate: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly codec: string;
  readonly payload: Uint8Array;
}

/** A spool file that cannot be read: names the file and the byte where it went wrong. */
export class SpoolFormatError extends Error {
  override readonly name = 'SpoolFormatError';
}

export function encodeSpoolHeader(): Buffer {
  return Buffer.from(spoolMagic, 'ascii');
}

export function encodeSpoolPacket(packet: SpoolPacket): Buffer {
  const codec = packet.codec.slice(0, 255);
  const length = fixedRecordBytes + codec.length + packet.payload.length;
  if (length > 0xffff)
    throw new RangeError(`an RTP payload of ${packet.payload.length} bytes does not fit a spool record`);
  const record = Buffer.allocUnsafe(2 + length);
  let offset = record.writeUInt16BE(length, 0);
  offset = record.writeDoubleBE(packet.arrivalMs, offset);
  offset = record.writeUInt32BE(packet.timestamp >>> 0, offset);
  offset = record.writeUInt16BE(packet.sequenceNumber & 0xffff, offset);
  offset = record.writeUInt32BE(packet.ssrc >>> 0, offset);
  offset = record.writeUInt32BE(packet.clockRate >>> 0, offset);
  offset = record.writeUInt8(packet.payloadType & 0x7f, offset);
  offset = record.writeUInt8(packet.marker ? 1 : 0, offset);
  offset = record.writeUInt8(codec.length, offset);
  offset += record.write(codec, offset, 'ascii');
  record.set(packet.payload, offset);
  return record;
}

/**
 * Every packet of a spool file's contents. A record cut short at the very end (the gateway died mid-write) is
 * ignored; anything else that does not parse is a SpoolFormatError.
 */
export function decodeSpool(file: Buffer, name: string): SpoolPacket[] {
  if (file.length < spoolMagic.length || file.toString('ascii', 0, spoolMagic.length) !== spoolMagic)
    throw new SpoolFormatError(`${name} is not a recording spool (it does not start with ${spoolMagic})`);
  const packets: SpoolPacket[] = [];
  let offset = spoolMagic.length;
  while (offset + 2 <= file.length) {
    const length = file.readUInt16BE(offset);
    if (offset + 2 + length > file.length) break;
    if (length < fixedRecordBytes)
      throw new SpoolFormatError(`${name} has a record of ${length} bytes at byte ${offset}; it is corrupt`);
    const at = offset + 2;
    const arrivalMs = file.readDoubleBE(at);
    const timestamp = file.readUInt32BE(at + 8);
    const sequenceNumber = file.readUInt16BE(at + 12);
    const ssrc = file.readUInt32BE(at + 14);
    const clockRate = file.readUInt32BE(at + 18);
    const payloadType = file.readUInt8(at + 22);
    const flags = file.readUInt8(at + 23);
    const codecLength = file.readUInt8(at + 24);
    const codecAt = at + fixedRecordBytes;
    const end = offset + 2 + length;
    if (codecAt + codecLength > end || !Number.isFinite(arrivalMs) || clockRate === 0)
      throw new SpoolFormatError(`${name} has a malformed record at byte ${offset}; it is corrupt`);
    const codec = file.toString('ascii', codecAt, codecAt + codecLength);
    packets.push({
      arrivalMs,
      timestamp,
      sequenceNumber,
      ssrc,
      clockRate,
      payloadType,
      marker: (flags & 1) === 1,
      codec,
      payload: file.subarray(codecAt + codecLength, end),
    });
    offset = end;
  }
  return packets;
}
