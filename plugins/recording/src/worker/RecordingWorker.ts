// The worker: takes recording jobs from BullMQ and turns each call's spools into a stereo WAV in `dir`. A job
// whose input is unusable (a spool missing or corrupt, an unknown codec) fails at once with the reason; other
// failures (a full disk) are retried with back-off. Spools are deleted only once the WAV is written.
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '@cubebridge/core';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { safeFileName } from '../CallRecorder.ts';
import { connectRedis, describeRedis, type RedisTarget, redisFromEnvironment } from '../RedisConnection.ts';
import {
  type RecordingJobData,
  type RecordingResult,
  recordingJobName,
  recordingJobSchema,
} from '../RecordingJob.ts';
import { decodeSpool, SpoolFormatError, type SpoolPacket } from '../spool/SpoolFormat.ts';
import { type OutputSampleRate, UnsupportedCodecError, writeStereoWav } from './writeStereoWav.ts';

export interface RecordingWorkerOptions {
  /** Default: the CUBEBRIDGE_RECORDING_REDIS environment variable, else `redis://127.0.0.1:6379`. */
  readonly redis?: RedisTarget;
  /** Default `cubebridge-recording`: the plugin's default. */
  readonly queue?: string;
  /** Where WAV files are written. Default `./recordings`. */
  readonly dir?: string;
  /** Default 16000: wideband speech (Opus is decoded at this rate, G.711 upsampled). */
  readonly sampleRate?: OutputSampleRate;
  /** Jobs processed at once. Default 1. */
  readonly concurrency?: number;
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface RecordingWorker {
  /** The BullMQ worker, for its events (`completed` with a RecordingResult, `failed` with the reason). */
  readonly worker: Worker<RecordingJobData, RecordingResult>;
  close(): Promise<void>;
}

export function createRecordingWorker(options: RecordingWorkerOptions = {}): RecordingWorker {
  const redis = options.redis ?? redisFromEnvironment();
  const queue = options.queue ?? 'cubebridge-recording';
  const dir = resolve(options.dir ?? './recordings');
  const sampleRate = options.sampleRate ?? 16000;
  const logger = options.logger;
  // A worker blocks on Redis: BullMQ wants commands that wait for a reconnect rather than fail.
  const connection = connectRedis(redis, { maxRetriesPerRequest: null });
  let reachable: boolean | undefined;
  connection.on('error', (error: Error) => {
    if (reachable === false) return;
    reachable = false;
    logger?.warn(
      { redis: describeRedis(redis), reason: error.message },
      'Redis is not reachable; waiting for it',
    );
  });
  connection.on('ready', () => {
    if (reachable !== true)
      logger?.info({ redis: describeRedis(redis), queue }, 'recording worker connected');
    reachable = true;
  });

  const worker = new Worker<RecordingJobData, RecordingResult>(
    queue,
    (job) => processRecording(job, dir, sampleRate),
    { connection, concurrency: options.concurrency ?? 1 },
  );
  worker.on('error', (error) => logger?.error({ reason: error.message }, 'recording worker error'));
  worker.on('completed', (_job, result) =>
    logger?.info(
      { callId: result.callId, path: result.path, durationMs: result.durationMs },
      'recording written',
    ),
  );
  worker.on('failed', (job, error) =>
    logger?.warn(
      { callId: job?.data?.callId, attempt: job?.attemptsMade, reason: error.message },
      'recording job failed',
    ),
  );
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

async function processRecording(
  job: Job<RecordingJobData, RecordingResult>,
  dir: string,
  sampleRate: OutputSampleRate,
): Promise<RecordingResult> {
  if (job.name !== recordingJobName) throw new UnrecoverableError(`not a recording job (name '${job.name}')`);
  const parsed = recordingJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(
      `invalid recording job: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const data = parsed.data;
  const [left, right] = await Promise.all([
    readSpool(data.legs.sip.spool),
    readSpool(data.legs.webrtc.spool),
  ]);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${safeFileName(data.callId)}.wav`);
  const partial = `${path}.part`;
  let written: Awaited<ReturnType<typeof writeStereoWav>>;
  try {
    written = await writeStereoWav({
      path: partial,
      sampleRate,
      left,
      right,
      minDurationMs: data.durationMs,
    });
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof UnsupportedCodecError)
      throw new UnrecoverableError(`call ${data.callId}: ${error.message}`);
    throw error;
  }
  await rename(partial, path);
  await Promise.all([rm(data.legs.sip.spool, { force: true }), rm(data.legs.webrtc.spool, { force: true })]);
  return { callId: data.callId, path, sampleRate, durationMs: written.durationMs };
}

async function readSpool(path: string): Promise<SpoolPacket[]> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UnrecoverableError(`spool file ${path} is missing`);
    throw error;
  }
  try {
    return decodeSpool(file, path);
  } catch (error) {
    if (error instanceof SpoolFormatError) throw new UnrecoverableError(error.message);
    throw error;
  }
}
