// Where each packet of a leg belongs in the recording: RTP timestamps give exact spacing within a stream, the
// arrival times place the stream on the call's clock (both legs share it), so the two channels line up and
// whatever nobody sent (silence suppression, hold, loss) stays silent.
import type { SpoolPacket } from '../spool/SpoolFormat.ts';

/** A run of packets from one source, on one codec, with continuous timestamps. */
export interface Stream {
  readonly codec: string;
  readonly clockRate: number;
  /** Packets in timestamp order, without duplicates. */
  readonly packets: readonly SpoolPacket[];
  /** Milliseconds from the start of the recording to each packet, same order. */
  readonly startsMs: readonly number[];
}

/** A timestamp that strays further than this from the arrival clock starts a new stream (a jump, a restart). */
const maxDriftMs = 1_000;

interface Building {
  codec: string;
  clockRate: number;
  ssrc: number;
  lastTimestamp: number;
  /** Unwrapped timestamp of each packet, relative to the stream's first. */
  offsets: number[];
  packets: SpoolPacket[];
  /** The earliest `arrival - timestamp offset` seen: the least delayed packet places the stream. */
  anchorMs: number;
}

export function legTimeline(packets: readonly SpoolPacket[]): Stream[] {
  const streams: Building[] = [];
  let current: Building | undefined;
  for (const packet of [...packets].sort((a, b) => a.arrivalMs - b.arrivalMs)) {
    if (
      current &&
      current.ssrc === packet.ssrc &&
      current.codec === packet.codec &&
      current.clockRate === packet.clockRate
    ) {
      const offset = (current.offsets.at(-1) as number) + ((packet.timestamp - current.lastTimestamp) | 0);
      const anchor = packet.arrivalMs - (offset * 1000) / packet.clockRate;
      if (Math.abs(anchor - current.anchorMs) <= maxDriftMs) {
        current.offsets.push(offset);
        current.packets.push(packet);
        current.lastTimestamp = packet.timestamp;
        current.anchorMs = Math.min(current.anchorMs, anchor);
        continue;
      }
    }
    current = {
      codec: packet.codec,
      clockRate: packet.clockRate,
      ssrc: packet.ssrc,
      lastTimestamp: packet.timestamp,
      offsets: [0],
      packets: [packet],
      anchorMs: packet.arrivalMs,
    };
    streams.push(current);
  }
  return streams.map((stream) => {
    const order = stream.packets
      .map((_, index) => index)
      .sort((a, b) => (stream.offsets[a] as number) - (stream.offsets[b] as number));
    const ordered: SpoolPacket[] = [];
    const startsMs: number[] = [];
    let previous: number | undefined;
    for (const index of order) {
      const offset = stream.offsets[index] as number;
      if (offset === previous) continue; // a duplicate
      previous = offset;
      ordered.push(stream.packets[index] as SpoolPacket);
      startsMs.push(Math.max(0, stream.anchorMs + (offset * 1000) / stream.clockRate));
    }
    return { codec: stream.codec, clockRate: stream.clockRate, packets: ordered, startsMs };
  });
}
