// The plugin in a real gateway (no adapters: no call is needed to prove these) on the suite's real Redis:
// jobs a previous run left in the outbox are enqueued at start, and options are checked with clear errors.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createGateway, createLogger } from '@cubebridge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import {
  createRecordingWorker,
  describeRedis,
  JobOutbox,
  recording,
  redisFromEnvironment,
  shouldRecord,
} from '../src/index.ts';
import { suiteRedis, tempDir, writeToneSpool } from './support.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function capturedLogger() {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', format: 'json', destination }), text: () => text };
}

describe('@cubebridge/plugin-recording in a gateway', () => {
  it('enqueues at start what a previous run left in the outbox, so a restart loses nothing', async () => {
    const dir = await tempDir('restart');
    const queue = `recording-${randomUUID()}`;
    const callId = randomUUID();
    const sip = join(dir, 'spool', `${callId}.sip.spool`);
    const app = join(dir, 'spool', `${callId}.webrtc.spool`);
    await new JobOutbox(join(dir, 'outbox')).put({
      callId,
      direction: 'platform-to-sip',
      from: 'connectycube:7',
      to: 'sip:1001@pbx',
      startedAt: new Date().toISOString(),
      durationMs: 1_000,
      legs: {
        sip: { spool: sip, codecs: ['PCMU/8000'], packets: 50, dropped: 0 },
        webrtc: { spool: app, codecs: ['PCMA/8000'], packets: 50, dropped: 0 },
      },
    });
    await mkdir(join(dir, 'spool'));
    await writeToneSpool(sip, { codec: 'PCMU', hz: 440, fromMs: 0, seconds: 1 });
    await writeToneSpool(app, { codec: 'PCMA', hz: 700, fromMs: 0, seconds: 1 });

    const worker = createRecordingWorker({ redis: suiteRedis, queue, dir });
    cleanups.push(() => worker.close());
    const logs = capturedLogger();
    const gateway = await createGateway({
      logger: logs.logger,
      config: { http: { enabled: false } },
      plugins: [recording({ dir, redis: suiteRedis, queue })],
    });
    cleanups.push(() => gateway.stop());
    await gateway.start();

    await waitFor('the WAV', () => existsSync(join(dir, `${callId}.wav`)), 20_000);
    // Logged once the job is in Redis and out of the outbox.
    await waitFor('the outbox job enqueued', () => logs.text().includes('outbox job enqueued'));
    expect(readdirSync(join(dir, 'outbox'))).toEqual([]);
  });

  it('refuses invalid options, naming each one', async () => {
    await expect(
      createGateway({
        logger: capturedLogger().logger,
        config: { http: { enabled: false } },
        plugins: [recording({ redis: 'localhost:6379', record: { directions: ['sideways' as never] } })],
      }).then((gateway) => gateway.start()),
    ).rejects.toThrow(/redis: must be a URL like redis:\/\/127\.0\.0\.1:6379[\s\S]*record/);
  });

  it('records the calls `record` selects: all by default, by direction and user, or by a predicate', () => {
    const call = {
      callId: 'c',
      direction: 'sip-to-platform' as const,
      from: 'sip:1001@pbx',
      to: 'connectycube:7',
    };
    expect(shouldRecord(undefined, call)).toBe(true);
    expect(shouldRecord({ directions: ['platform-to-sip'] }, call)).toBe(false);
    expect(shouldRecord({ directions: ['sip-to-platform'], users: ['1001'] }, call)).toBe(true);
    expect(shouldRecord({ users: ['1002'] }, call)).toBe(false);
    expect(shouldRecord((candidate) => candidate.to === 'connectycube:7', call)).toBe(true);
  });

  it('names Redis in logs and errors without its password', () => {
    expect(describeRedis('redis://:hunter2@cache:6380/3')).toBe('redis://:[redacted]@cache:6380/3');
    expect(describeRedis('rediss://rec:hunter2@cache')).toBe('rediss://rec:[redacted]@cache:6379');
    expect(describeRedis({ host: 'cache', password: 'hunter2' })).toBe('redis://:[redacted]@cache:6379');
    expect(describeRedis('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    const thrown = (act: () => unknown) => {
      try {
        act();
      } catch (error) {
        return (error as Error).message;
      }
      return 'nothing thrown';
    };
    expect(thrown(() => describeRedis('redis://:hunter2@bad host'))).toMatch(/^the Redis URL is not valid/);
    expect(thrown(() => describeRedis('redis://:hunter2@bad host'))).not.toContain('hunter2');
    expect(redisFromEnvironment({ CUBEBRIDGE_RECORDING_REDIS: 'redis://:hunter2@cache:6380' })).toBe(
      'redis://:hunter2@cache:6380',
    );
    expect(redisFromEnvironment({})).toBe('redis://127.0.0.1:6379');
    const invalid = thrown(() => redisFromEnvironment({ CUBEBRIDGE_RECORDING_REDIS: 'cache:hunter2' }));
    expect(invalid).toMatch(/^CUBEBRIDGE_RECORDING_REDIS must be a URL/);
    expect(invalid).not.toContain('hunter2');
  });
});
