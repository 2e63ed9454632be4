// `cubebridge-recording-worker`: runs createRecordingWorker until SIGTERM/SIGINT. Options on the command line or in
// the environment (CUBEBRIDGE_RECORDING_REDIS, _QUEUE, _DIR); the Redis URL may carry a password and is never
// printed.
import { parseArgs } from 'node:util';
import { createLogger } from '@cubebridge/core';
import { redisFromEnvironment } from '../RedisConnection.ts';
import { createRecordingWorker } from '../worker/RecordingWorker.ts';

const usage = `usage: cubebridge-recording-worker [--redis redis://127.0.0.1:6379] [--queue cubebridge-recording]
                                    [--dir ./recordings] [--sample-rate 16000] [--concurrency 1]`;

const { values } = parseArgs({
  options: {
    redis: { type: 'string' },
    queue: { type: 'string' },
    dir: { type: 'string' },
    'sample-rate': { type: 'string' },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const sampleRate = Number(values['sample-rate'] ?? process.env.CUBEBRIDGE_RECORDING_SAMPLE_RATE ?? 16000);
if (sampleRate !== 8000 && sampleRate !== 16000 && sampleRate !== 48000) {
  process.stderr.write(`--sample-rate must be 8000, 16000 or 48000 (found ${sampleRate})\n${usage}\n`);
  process.exit(2);
}
const concurrency = Number(values.concurrency ?? 1);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  process.stderr.write(`--concurrency must be a positive integer\n${usage}\n`);
  process.exit(2);
}

const logger = createLogger({ name: 'cubebridge-recording-worker' });
const recordingWorker = createRecordingWorker({
  redis: values.redis ?? redisFromEnvironment(),
  queue: values.queue ?? process.env.CUBEBRIDGE_RECORDING_QUEUE ?? 'cubebridge-recording',
  dir: values.dir ?? process.env.CUBEBRIDGE_RECORDING_DIR ?? './recordings',
  sampleRate,
  concurrency,
  logger,
});

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping: finishing the jobs in hand');
  void recordingWorker.close().then(() => process.exit(0));
};
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
