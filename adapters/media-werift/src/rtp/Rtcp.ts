// The RTCP the SIP leg terminates (RFC 3550 §6.4): our SR or RR with one report block and an SDES CNAME, and the
// report blocks and sender reports in what the phone sends, for RTT and its view of our stream.

export interface ReportBlock {
  readonly ssrc: number;
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly extendedHighestSequence: number;
  readonly jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received from that source, 0 if none. */
  readonly lastSenderReport: number;
  /** Delay since that SR, in 1/65536 s. */
  readonly delaySinceLastSenderReport: number;
}

export interface SenderInfo {
  readonly ntpMiddle: number;
  readonly rtpTimestamp: number;
  readonly packets: number;
  readonly octets: number;
}

const NTP_EPOCH_OFFSET_SECONDS = 2_208_988_800;

/** Current wall-clock time as 64-bit NTP, split into seconds and fraction. */
export function ntpNow(): { seconds: number; fraction: number } {
  const ms = Date.now();
  return {
    seconds: (Math.floor(ms / 1000) + NTP_EPOCH_OFFSET_SECONDS) >>> 0,
    fraction: Math.floor(((ms % 1000) / 1000) * 0x1_0000_0000) >>> 0,
  };
}

export function ntpMiddle(ntp: { seconds: number; fraction: number }): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

export function serializeReport(
  ssrc: number,
  sender: SenderInfo | undefined,
  ntp: { seconds: number; fraction: number },
  block: ReportBlock | undefined,
  cname: string,
): Buffer {
  const blockCount = block ? 1 : 0;
  const reportLength = (sender ? 28 : 8) + 24 * blockCount;
  const cnameBytes = Buffer.from(cname);
  // SDES chunk: SSRC, item (type, length, text), a null terminator, padded to 32 bits.
  const sdesLength = 4 + Math.ceil((4 + 2 + cnameBytes.length + 1) / 4) * 4;
  const out = Buffer.alloc(reportLength + sdesLength);
  out[0] = 0x80 | blockCount;
  out[1] = sender ? 200 : 201;
  out.writeUInt16BE(reportLength / 4 - 1, 2);
  out.writeUInt32BE(ssrc >>> 0, 4);
  let offset = 8;
  if (sender) {
    out.writeUInt32BE(ntp.seconds >>> 0, 8);
    out.writeUInt32BE(ntp.fraction >>> 0, 12);
    out.writeUInt32BE(sender.rtpTimestamp >>> 0, 16);
    out.writeUInt32BE(sender.packets >>> 0, 20);
    out.writeUInt32BE(sender.octets >>> 0, 24);
    offset = 28;
  }
  if (block) {
    out.writeUInt32BE(block.ssrc >>> 0, offset);
    out[offset + 4] = block.fractionLost;
    out.writeIntBE(Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)), offset + 5, 3);
    out.writeUInt32BE(block.extendedHighestSequence >>> 0, offset + 8);
    out.writeUInt32BE(block.jitter >>> 0, offset + 12);
    out.writeUInt32BE(block.lastSenderReport >>> 0, offset + 16);
    out.writeUInt32BE(block.delaySinceLastSenderReport >>> 0, offset + 20);
  }
  const sdes = reportLength;
  out[sdes] = 0x81;
  out[sdes + 1] = 202;
  out.writeUInt16BE(sdesLength / 4 - 1, sdes + 2);
  out.writeUInt32BE(ssrc >>> 0, sdes + 4);
  out[sdes + 8] = 1;
  out[sdes + 9] = cnameBytes.length;
  cnameBytes.copy(out, sdes + 10);
  return out;
}

export interface ParsedRtcp {
  senderSsrc: number | undefined;
  senderInfo: SenderInfo | undefined;
  reports: ReportBlock[];
  /** PSFB PLI (fmt 1) or FIR (fmt 4) seen: the sender wants a keyframe. */
  keyframeRequested: boolean;
}

/** Walks a compound RTCP packet; tolerant: stops at the first malformed part. */
export function parseRtcp(buffer: Buffer): ParsedRtcp | undefined {
  const result: ParsedRtcp = {
    senderSsrc: undefined,
    senderInfo: undefined,
    reports: [],
    keyframeRequested: false,
  };
  let offset = 0;
  let valid = false;
  while (offset + 4 <= buffer.length) {
    const first = buffer[offset] as number;
    if (first >> 6 !== 2) break;
    const count = first & 0x1f;
    const type = buffer[offset + 1] as number;
    const length = (buffer.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + length > buffer.length) break;
    valid = true;
    if (type === 200 || type === 201) {
      result.senderSsrc = buffer.readUInt32BE(offset + 4);
      let block = offset + 8;
      if (type === 200 && length >= 28) {
        result.senderInfo = {
          ntpMiddle:
            ((buffer.readUInt32BE(offset + 8) & 0xffff) * 0x10000 +
              (buffer.readUInt32BE(offset + 12) >>> 16)) >>>
            0,
          rtpTimestamp: buffer.readUInt32BE(offset + 16),
          packets: buffer.readUInt32BE(offset + 20),
          octets: buffer.readUInt32BE(offset + 24),
        };
        block = offset + 28;
      }
      for (let i = 0; i < count && block + 24 <= offset + length; i++, block += 24) {
        result.reports.push({
          ssrc: buffer.readUInt32BE(block),
          fractionLost: buffer[block + 4] as number,
          cumulativeLost: buffer.readIntBE(block + 5, 3),
          extendedHighestSequence: buffer.readUInt32BE(block + 8),
          jitter: buffer.readUInt32BE(block + 12),
          lastSenderReport: buffer.readUInt32BE(block + 16),
          delaySinceLastSenderReport: buffer.readUInt32BE(block + 20),
        });
      }
    } else if (type === 206 && (count === 1 || count === 4)) {
      result.keyframeRequested = true;
    }
    offset += length;
  }
  return valid ? result : undefined;
}

/** RTCP PSFB Picture Loss Indication (RFC 4585 §6.3.1). */
export function serializePli(senderSsrc: number, mediaSsrc: number): Buffer {
  const out = Buffer.alloc(12);
  out[0] = 0x81;
  out[1] = 206;
  out.writeUInt16BE(2, 2);
  out.writeUInt32BE(senderSsrc >>> 0, 4);
  out.writeUInt32BE(mediaSsrc >>> 0, 8);
  return out;
}

/** RTCP PSFB Full Intra Request (RFC 5104 §4.3.1), for phones that honour FIR but not PLI. */
export function serializeFir(senderSsrc: number, mediaSsrc: number, sequence: number): Buffer {
  const out = Buffer.alloc(20);
  out[0] = 0x84;
  out[1] = 206;
  out.writeUInt16BE(4, 2);
  out.writeUInt32BE(senderSsrc >>> 0, 4);
  // Media source is 0 for FIR; the target SSRC and a command sequence number follow in the FCI.
  out.writeUInt32BE(mediaSsrc >>> 0, 12);
  out[16] = sequence & 0xff;
  return out;
}
