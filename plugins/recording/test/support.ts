// Test support for the recording plugin: the suite's Redis, a Redis of our own on a free port (to stop and
// start it), real G.711 spools of a tone, and a stereo WAV split into its channels.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeG711 } from '@cubebridge/media-werift';
import { readWavSamples } from '../../../test/harness/sip/audio.ts';
import { freePort, startProcess, type TestProcess, waitFor } from '../../../test/harness/sip/processes.ts';
import { SpoolWriter } from '../src/spool/SpoolWriter.ts';

/** The Redis `pnpm test` starts inside its network namespace (scripts/test.sh). */
export const suiteRedis = 'redis://127.0.0.1:6379';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `cb-recording-${prefix}-`));
}

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  start(extraArgs?: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/** A Redis on a port nobody uses yet; not started until `start()`. */
export async function ownRedis(dir: string): Promise<OwnRedis> {
  const port = await freePort();
  let process: TestProcess | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start(extraArgs = []) {
      process = startProcess('redis-server', [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...extraArgs,
      ]);
      await waitFor(
        `redis-server on port ${port}`,
        () => process?.output().includes('Ready to accept'),
        10_000,
      );
    },
    async stop() {
      await process?.stop();
      process = undefined;
    },
  };
}

export interface ToneSpool {
  readonly law: 'PCMU' | 'PCMA';
  readonly hz: number;
  /** Arrival of the first packet, ms after the recording's start. */
  readonly fromMs: number;
  readonly seconds: number;
  readonly ssrc?: number;
}

/**
 * A spool file as the plugin writes it, of a G.711 tone in 20 ms packets arriving on time, written by the
 * plugin's own SpoolWriter.
 */
export async function writeToneSpool(path: string, tone: ToneSpool): Promise<void> {
  const origin = 1_000;
  const writer = new SpoolWriter(path, origin);
  const packets = (tone.seconds * 1000) / 20;
  for (let index = 0; index < packets; index++) {
    const pcm = Int16Array.from({ length: 160 }, (_, sample) =>
      Math.round(12_000 * Math.sin((2 * Math.PI * tone.hz * (index * 160 + sample)) / 8000)),
    );
    const payload = encodeG711(tone.law, pcm);
    writer.write({
      kind: 'audio',
      codec: tone.law,
      clockRate: 8000,
      payloadType: tone.law === 'PCMU' ? 0 : 8,
      sequenceNumber: (1000 + index) & 0xffff,
      timestamp: (123_456 + index * 160) >>> 0,
      ssrc: tone.ssrc ?? 0x1234,
      marker: index === 0,
      payload,
      receivedAt: origin + tone.fromMs + index * 20,
    });
  }
  await writer.close();
}

/** The two channels of a 16-bit stereo WAV file. */
export function readStereoWav(path: string): { left: Int16Array; right: Int16Array } {
  const interleaved = readWavSamples(path);
  const left = new Int16Array(interleaved.length >> 1);
  const right = new Int16Array(interleaved.length >> 1);
  for (let index = 0; index < left.length; index++) {
    left[index] = interleaved[index * 2] as number;
    right[index] = interleaved[index * 2 + 1] as number;
  }
  return { left, right };
}
