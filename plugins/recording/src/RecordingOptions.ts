// The plugin's options: where recordings go, which Redis and queue take the jobs, and which calls are recorded.
import { z } from 'zod';
import { redisSchema } from './RedisConnection.ts';

const direction = z.enum(['sip-to-platform', 'platform-to-sip']);

/** What `record` predicates see of a call when it is answered. */
export interface RecordableCall {
  readonly callId: string;
  readonly direction: 'sip-to-platform' | 'platform-to-sip';
  readonly from: string;
  readonly to: string;
}

export const recordingOptionsSchema = z
  .object({
    /** Where spools, the outbox and (in the worker) the WAV files go. Created when missing. */
    dir: z.string().min(1).default('./recordings'),
    /** Default: the CUBEBRIDGE_RECORDING_REDIS environment variable, else redis://127.0.0.1:6379. */
    redis: redisSchema.optional(),
    queue: z.string().min(1).default('cubebridge-recording'),
    /**
     * Which calls to record (all by default). A list form for config files: only these directions, and only calls
     * whose `from` or `to` URI contains one of `users` (`"1001"`, `"sip:bob@pbx"`). In code, a predicate.
     */
    record: z
      .union([
        z.custom<(call: RecordableCall) => boolean>((value) => typeof value === 'function', {
          error: 'must be a function (call) => boolean',
        }),
        z
          .object({
            directions: z.array(direction).min(1).optional(),
            users: z.array(z.string().min(1)).min(1).optional(),
          })
          .strict(),
      ])
      .optional(),
    /** BullMQ attempts for a job (the worker retries with exponential back-off from `backoffMs`). */
    attempts: z.number().int().positive().default(5),
    backoffMs: z.number().int().positive().default(5_000),
    /** Longest wait between two tries to empty the outbox while Redis is away. */
    outboxMaxDelayMs: z.number().int().positive().default(30_000),
  })
  .strict();

export type RecordingOptions = z.input<typeof recordingOptionsSchema>;
export type ResolvedRecordingOptions = z.output<typeof recordingOptionsSchema>;

/** Whether `options.record` selects this call. */
export function shouldRecord(record: ResolvedRecordingOptions['record'], call: RecordableCall): boolean {
  if (record === undefined) return true;
  if (typeof record === 'function') return record(call);
  if (record.directions && !record.directions.includes(call.direction)) return false;
  if (record.users && !record.users.some((user) => call.from.includes(user) || call.to.includes(user)))
    return false;
  return true;
}
