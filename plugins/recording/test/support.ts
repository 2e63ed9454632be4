// Test support for the recording plugin: the suite's Redis, a Redis of our own on a free port (to stop and
// start it), real G.711 spools of a tone, and a stereo WAV split into its channels.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEncoder } from '@cubebridge/codecs';
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
  readonly codec: 'PCMU' | 'PCMA' | 'opus';
  readonly hz: number;
  /** Arrival of the first packet, ms after the recording's start. */
  readonly fromMs: number;
  readonly seconds: number;
  /** Each packet arrives up to this much late (a fixed pseudo-random pattern), as over a jittery network. */
  readonly jitterMs?: number;
}

const payloadTypes = { PCMU: 0, PCMA: 8, opus: 111 } as const;

/**
 * A spool file as the plugin writes it (with its own SpoolWriter), of a tone in 20 ms packets encoded by the
 * relay's own encoders (libopus for Opus).
 */
export async function writeToneSpool(path: string, tone: ToneSpool): Promise<void> {
  const origin = 1_000;
  const writer = new SpoolWriter(path, origin);
  const rate = tone.codec === 'opus' ? 48_000 : 8_000;
  const encoder = createEncoder(tone.codec, rate);
  const frame = rate / 50;
  const packets = (tone.seconds * 1000) / 20;
  for (let index = 0; index < packets; index++) {
    const pcm = Int16Array.from({ length: frame }, (_, sample) =>
      Math.round(12_000 * Math.sin((2 * Math.PI * tone.hz * (index * frame + sample)) / rate)),
    );
    writer.write({
      kind: 'audio',
      codec: tone.codec,
      clockRate: rate,
      payloadType: payloadTypes[tone.codec],
      sequenceNumber: (65_000 + index) & 0xffff, // wraps
      timestamp: (0xffff_0000 + index * frame) >>> 0, // wraps too
      ssrc: 0x1234,
      marker: index === 0,
      payload: encoder.encode(pcm),
      receivedAt: origin + tone.fromMs + index * 20 + ((index * 37) % 11) * ((tone.jitterMs ?? 0) / 10),
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
