// Hands finished recordings to BullMQ without ever making a call wait for Redis: a job that cannot be enqueued
// right now goes to the outbox on disk, and the outbox is emptied when Redis answers again (on reconnect, and by
// a retry loop with back-off), and at start so that a restart loses nothing.
import type { Logger } from '@cubebridge/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobOutbox } from './JobOutbox.ts';
import { connectRedis, describeRedis, type RedisTarget } from './RedisConnection.ts';
import { type RecordingJobData, recordingJobId, recordingJobName } from './RecordingJob.ts';

export interface RecordingJobsOptions {
  readonly redis: RedisTarget;
  readonly queue: string;
  readonly outboxDir: string;
  readonly logger: Logger;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly outboxMaxDelayMs: number;
}

/** Longest an enqueue may take before the job goes to the outbox instead. */
const enqueueTimeoutMs = 5_000;
const firstRetryMs = 500;

export class RecordingJobs {
  readonly outbox: JobOutbox;
  readonly #options: RecordingJobsOptions;
  readonly #redis: Redis;
  readonly #queue: Queue;
  readonly #logger: Logger;
  readonly #where: string;
  #reachable: boolean | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs = firstRetryMs;
  #draining: Promise<void> | undefined;
  #drainAgain = false;
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: RecordingJobsOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#where = `${describeRedis(options.redis)} queue ${options.queue}`;
    this.outbox = new JobOutbox(options.outboxDir);
    // No offline queue: while Redis is away a command fails at once (the job goes to the outbox) instead of
    // waiting in memory, where a restart would lose it.
    this.#redis = connectRedis(options.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.#redis.on('error', (error: Error) => this.#unreachable(error));
    this.#redis.on('ready', () => {
      if (this.#reachable !== true) this.#logger.info({ redis: this.#where }, 'Redis is reachable');
      this.#reachable = true;
      this.#retryDelayMs = firstRetryMs;
      void this.drain();
    });
    this.#queue = new Queue(options.queue, { connection: this.#redis });
    this.#queue.on('error', (error: Error) => this.#unreachable(error));
  }

  /** Empties what a previous run left in the outbox, as soon as Redis answers. */
  start(): void {
    void this.drain();
  }

  /** Enqueue a recording, or keep it in the outbox. Never throws; resolves once the job is safe somewhere. */
  submit(data: RecordingJobData): Promise<void> {
    const submitted = this.#submit(data);
    this.#pending.add(submitted);
    void submitted.finally(() => this.#pending.delete(submitted));
    return submitted;
  }

  async #submit(data: RecordingJobData): Promise<void> {
    try {
      await this.#enqueue(data);
      this.#logger.info({ callId: data.callId, queue: this.#options.queue }, 'recording job enqueued');
      return;
    } catch (error) {
      try {
        const file = await this.outbox.put(data);
        this.#logger.warn(
          { callId: data.callId, redis: this.#where, reason: reasonOf(error), outbox: file },
          'Redis is not available: the recording job waits in the outbox',
        );
        this.#scheduleRetry();
      } catch (outboxError) {
        this.#logger.error(
          { callId: data.callId, reason: reasonOf(outboxError), outbox: this.outbox.dir },
          'the recording job could neither be enqueued nor written to the outbox: it is lost (its spools stay on disk)',
        );
      }
    }
  }

  /** Move every outbox job to the queue; stops at the first failure and tries again later. */
  drain(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#draining) {
      this.#drainAgain = true;
      return this.#draining;
    }
    this.#draining = (async () => {
      do {
        this.#drainAgain = false;
        await this.#drainOnce();
      } while (this.#drainAgain && !this.#closed);
    })().finally(() => {
      this.#draining = undefined;
    });
    return this.#draining;
  }

  async #drainOnce(): Promise<void> {
    let entries: Awaited<ReturnType<JobOutbox['list']>>;
    try {
      entries = await this.outbox.list((file, reason) =>
        this.#logger.error({ file, reason }, 'not a recording job: moved aside as .invalid'),
      );
    } catch (error) {
      this.#logger.error({ outbox: this.outbox.dir, reason: reasonOf(error) }, 'cannot read the outbox');
      return;
    }
    if (entries.length === 0) return;
    if (this.#redis.status !== 'ready') {
      this.#scheduleRetry();
      return;
    }
    for (const entry of entries) {
      if (this.#closed) return;
      try {
        await this.#enqueue(entry.data);
      } catch (error) {
        this.#logger.warn(
          { waiting: entries.length, redis: this.#where, reason: reasonOf(error) },
          'Redis is still not available: outbox jobs keep waiting',
        );
        this.#scheduleRetry();
        return;
      }
      await this.outbox.remove(entry);
      this.#logger.info({ callId: entry.data.callId, queue: this.#options.queue }, 'outbox job enqueued');
    }
  }

  async #enqueue(data: RecordingJobData): Promise<void> {
    if (this.#redis.status !== 'ready') throw new Error(`not connected (${this.#redis.status})`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${enqueueTimeoutMs} ms`)), enqueueTimeoutMs);
    });
    try {
      await Promise.race([
        this.#queue.add(recordingJobName, data, {
          jobId: recordingJobId(data.callId),
          attempts: this.#options.attempts,
          backoff: { type: 'exponential', delay: this.#options.backoffMs },
          removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, this.#options.outboxMaxDelayMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.drain();
    }, delay);
    this.#retryTimer.unref();
  }

  #unreachable(error: Error): void {
    // ioredis reports every failed reconnect: say it once per outage.
    if (this.#reachable === false) return;
    this.#reachable = false;
    this.#logger.warn(
      { redis: this.#where, reason: reasonOf(error) },
      'Redis is not reachable; recording jobs go to the outbox until it is',
    );
  }

  /** Waits for submissions in flight (bounded by the enqueue timeout), then disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.allSettled([...this.#pending]);
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    await this.#draining?.catch(() => undefined);
    if (this.#redis.status === 'ready') await this.#queue.close().catch(() => undefined);
    this.#redis.disconnect();
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
