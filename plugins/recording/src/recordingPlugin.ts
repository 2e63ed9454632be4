// The gateway side of recording: on `call.answered` it spools both legs' audio to disk, on `call.ended` (or when
// the plugin stops) it closes the spools and hands a job to BullMQ, or to the outbox while Redis is away.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { definePlugin } from '@cubebridge/core';
import { CallRecorder } from './CallRecorder.ts';
import { RecordingJobs } from './RecordingJobs.ts';
import { redisFromEnvironment } from './RedisConnection.ts';
import { recordingOptionsSchema, shouldRecord } from './RecordingOptions.ts';

export const recordingPlugin = definePlugin({
  name: '@cubebridge/plugin-recording',
  version: '0.1.0',
  core: '^0.1.0',
  options: recordingOptionsSchema,
  setup(ctx, options) {
    const dir = resolve(options.dir);
    const spoolDir = join(dir, 'spool');
    mkdirSync(spoolDir, { recursive: true });
    const jobs = new RecordingJobs({
      redis: options.redis ?? redisFromEnvironment(),
      queue: options.queue,
      outboxDir: join(dir, 'outbox'),
      logger: ctx.logger,
      attempts: options.attempts,
      backoffMs: options.backoffMs,
      outboxMaxDelayMs: options.outboxMaxDelayMs,
    });
    jobs.start();
    const recorders = new Map<string, CallRecorder>();
    const finishing = new Set<Promise<void>>();

    const finish = (recorder: CallRecorder, durationMs?: number): void => {
      recorders.delete(recorder.callId);
      const done = recorder
        .finish(durationMs)
        .then((data) => {
          if (recorder.writeError)
            ctx.logger.error(
              { callId: data.callId, reason: recorder.writeError.message },
              'a spool could not be written completely; the recording may have gaps',
            );
          return jobs.submit(data);
        })
        .catch((error: unknown) =>
          ctx.logger.error({ callId: recorder.callId, err: error }, 'the recording could not be finished'),
        );
      finishing.add(done);
      void done.finally(() => finishing.delete(done));
    };

    ctx.events$.subscribe((event) => {
      if (event.type === 'call.answered') {
        const call = ctx.calls.get(event.callId);
        if (!call?.media || recorders.has(call.id)) return;
        const wanted = shouldRecord(options.record, {
          callId: call.id,
          direction: call.direction,
          from: call.from.uri,
          to: call.to.uri,
        });
        if (!wanted) return;
        try {
          recorders.set(call.id, new CallRecorder(call, spoolDir));
          ctx.logger.debug({ callId: call.id }, 'recording');
        } catch (error) {
          ctx.logger.error({ callId: call.id, err: error }, 'cannot record this call; the call goes on');
        }
      } else if (event.type === 'call.ended') {
        const recorder = recorders.get(event.callId);
        if (recorder) finish(recorder, event.durationMs);
      }
    });

    ctx.logger.info({ dir, queue: options.queue }, 'recording calls');
    return async () => {
      for (const recorder of [...recorders.values()]) finish(recorder);
      await Promise.allSettled([...finishing]);
      await jobs.close();
    };
  },
});
