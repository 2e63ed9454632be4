// Decodes two legs' spooled packets into one 16-bit stereo WAV: left the SIP side, right the app side. Each
// decoded frame is written into its channel at its place in the file, and the file is cut to length at the end:
// what nobody wrote is zeros, which is silence, and memory stays at one block whatever the call's length.
import { open } from 'node:fs/promises';
import { audioCodecName, createDecoder } from '@cubebridge/codecs';
import type { SpoolPacket } from '../spool/SpoolFormat.ts';
import { legTimeline } from './legTimeline.ts';
import { StereoPcmFile } from './StereoPcmFile.ts';

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
  const pcm = new StereoPcmFile(file, headerBytes);
  let undecodable = 0;
  try {
    for (const [channel, streams] of channels.entries()) {
      for (const stream of streams) {
        const decoder = createDecoder(audioCodecName(stream.codec)!, rate);
        for (const [index, packet] of stream.packets.entries()) {
          let samples: Int16Array;
          try {
            samples = decoder.decode(packet.payload);
          } catch {
            undecodable++;
            continue;
          }
          const position = Math.round(((stream.startsMs[index] as number) * rate) / 1000);
          await pcm.write(channel as 0 | 1, position, samples);
        }
      }
    }
    await pcm.flush();
    const frames = Math.max(pcm.frames, Math.round(((input.minDurationMs ?? 0) * rate) / 1000));
    const dataBytes = frames * frameBytes;
    await file.truncate(headerBytes + dataBytes);
    await file.write(wavHeader(rate, dataBytes), 0, headerBytes, 0);
    await file.sync();
    return { durationMs: Math.round((frames * 1000) / rate), undecodable };
  } finally {
    await file.close();
  }
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
