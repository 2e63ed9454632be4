// @cubebridge/plugin-recording: call recording as background jobs. The plugin spools each answered call's audio
// and enqueues a BullMQ job when it ends; the worker turns the spools into a stereo WAV.
import type { PluginDefinition } from '@cubebridge/core';
import type { RecordingOptions } from './RecordingOptions.ts';
import { recordingPlugin } from './recordingPlugin.ts';

export { recordingPlugin } from './recordingPlugin.ts';
export {
  recordingOptionsSchema,
  shouldRecord,
  type RecordableCall,
  type RecordingOptions,
} from './RecordingOptions.ts';
export { describeRedis, redisFromEnvironment, redisOptions, type RedisTarget } from './RedisConnection.ts';
export {
  recordingJobId,
  recordingJobName,
  recordingJobSchema,
  type RecordedLeg,
  type RecordingJobData,
  type RecordingResult,
} from './RecordingJob.ts';
export { JobOutbox } from './JobOutbox.ts';
export { decodeSpool, encodeSpoolPacket, SpoolFormatError, type SpoolPacket } from './spool/SpoolFormat.ts';
export {
  createRecordingWorker,
  type RecordingWorker,
  type RecordingWorkerOptions,
} from './worker/RecordingWorker.ts';
export { writeStereoWav } from './worker/writeStereoWav.ts';

export default recordingPlugin;

/** For gateways assembled in code: `plugins: [recording({ dir: './recordings' })]`. */
export function recording(
  options: RecordingOptions = {},
): readonly [PluginDefinition<unknown>, RecordingOptions] {
  return [recordingPlugin as PluginDefinition<unknown>, options];
}
