// Decodes two legs' spooled packets into one 16-bit stereo WAV: left the SIP side, right the app side. The file
// is sized first (its zeros are the silence), then each decoded frame is written into its channel at its place,
// so memory stays at one frame whatever the call's length.
import { open } from 'node:fs/promises';
import { audioCodecName, createDecoder } from '@cubebridge/media-werift';
import type { SpoolPacket } from '../spool/SpoolFormat.ts';
import { legTimeline } from './legTimeline.ts';

export type OutputSampleRate = 8000 | 16000 | 48000;

/** A codec the worker cannot decode; retrying will not help. */
export class UnsupportedCodecError extends Error {
  override readonly name = 'UnsupportedCodecError';
}

export interface StereoWavInput {
  readonly path: string;
  readonly sampleRate: OutputSampleRate;
  readonly left: readonly SpoolPacket[];
  readonly right: readonly SpoolPacket[];
  /** The recording lasts at least this long (the call's duration), silence included. */
  readonly minDurationMs?: number;
}

export interface StereoWavResult {
  readonly durationMs: number;
  /** Packets whose payload the decoder refused (corrupt); they are left silent. */
  readonly undecodable: number;
}

const headerBytes = 44;
const frameBytes = 4; // two 16-bit channels

export async function writeStereoWav(input: StereoWavInput): Promise<StereoWavResult> {
  const rate = input.sampleRate;
  const channels = [legTimeline(input.left), legTimeline(input.right)];
  for (const streams of channels)
    for (const stream of streams)
      if (!audioCodecName(stream.codec))
        throw new UnsupportedCodecError(
          `codec ${stream.codec}/${stream.clockRate} is not supported for recording`,
        );

  const file = await open(input.path, 'w+');
  let undecodable = 0;
  let samples = Math.round(((input.minDurationMs ?? 0) * rate) / 1000);
  try {
    for (const [channel, streams] of channels.entries()) {
      for (const stream of streams) {
        const decoder = createDecoder(audioCodecName(stream.codec)!, rate);
        for (const [index, packet] of stream.packets.entries()) {
          let pcm: Int16Array;
          try {
            pcm = decoder.decode(packet.payload);
          } catch {
            undecodable++;
            continue;
          }
          const position = Math.round(((stream.startsMs[index] as number) * rate) / 1000);
          samples = Math.max(samples, position + pcm.length);
          const bytes = Buffer.alloc(pcm.length * frameBytes);
          const offset = headerBytes + position * frameBytes;
          // The other channel may already be there: read the region, set ours, write it back.
          await file.read(bytes, 0, bytes.length, offset);
          for (let i = 0; i < pcm.length; i++)
            bytes.writeInt16LE(pcm[i] as number, i * frameBytes + channel * 2);
          await file.write(bytes, 0, bytes.length, offset);
        }
      }
    }
    const dataBytes = samples * frameBytes;
    await file.truncate(headerBytes + dataBytes);
    await file.write(wavHeader(rate, dataBytes), 0, headerBytes, 0);
    await file.sync();
  } finally {
    await file.close();
  }
  return { durationMs: Math.round((samples * 1000) / rate), undecodable };
}

function wavHeader(sampleRate: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(headerBytes);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(2, 22); // stereo
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * frameBytes, 28);
  header.writeUInt16LE(frameBytes, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
