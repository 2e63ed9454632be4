// Recording a real bridged call: baresip via Kamailio ⇄ the gateway (with this plugin) ⇄ the unmodified SDK in
// headless Chromium. The phone plays 440 Hz and the app 700 Hz; after hang-up the worker's WAV must hold the
// phone's tone on the left and the app's on the right, for about as long as the call. Then the same with Redis
// away when the call ends: the job waits in the outbox and is processed once Redis answers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventOfType } from '@cubebridge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { appTone, type Bridge, phoneTone, startBridge } from '../../../test/e2e/bridge.ts';
import { toneBlocks } from '../../../test/harness/sip/audio.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { createRecordingWorker, decodeSpool, type RecordingWorker, recording } from '../src/index.ts';
import { ownRedis, readStereoWav, suiteRedis, tempDir } from './support.ts';

const sampleRate = 16000;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function recordedBridge(dir: string, redis: string, queue: string): Promise<Bridge> {
  const bridge = await startBridge({
    rules: (users) => [{ name: 'front desk', match: { to: 'gateway' }, ring: [users.alice!] }],
    plugins: [recording({ dir, redis, queue, outboxMaxDelayMs: 2_000 })],
  });
  cleanups.push(() => bridge.close());
  return bridge;
}

/** The phone calls the front desk, alice answers, and both spools hold three seconds of audio; then the phone hangs up. */
async function recordedCall(bridge: Bridge, dir: string): Promise<EventOfType<'call.ended'>> {
  const phone = await bridge.phone('bob');
  const alice = await bridge.page('alice');
  await phone.command('dial', `sip:gateway@127.0.0.1:${bridge.kamailio.udpPort}`);
  await alice.waitForEvent('call', bridge.gatewayUserId);
  await alice.accept();
  await phone.waitEvent('CALL_ESTABLISHED');
  await alice.waitForTone(bridge.gatewayUserId, phoneTone, { timeoutMs: 20_000 });
  const spools = () => readdirSync(join(dir, 'spool')).map((name) => join(dir, 'spool', name));
  await waitFor(
    'three seconds of audio spooled from each side',
    () =>
      spools().length === 2 && spools().every((path) => decodeSpool(readFileSync(path), path).length >= 150),
    20_000,
  );
  await phone.command('hangup');
  return waitFor('the call to end', () =>
    bridge.events.find((event): event is EventOfType<'call.ended'> => event.type === 'call.ended'),
  );
}

function worker(redis: string, queue: string, dir: string): RecordingWorker {
  const recordingWorker = createRecordingWorker({ redis, queue, dir, sampleRate });
  cleanups.push(() => recordingWorker.close());
  return recordingWorker;
}

function wavIn(dir: string): string | undefined {
  const name = readdirSync(dir).find((entry) => entry.endsWith('.wav'));
  return name && join(dir, name);
}

/** The phone's tone on the left, the app's on the right, and neither on the other side. */
function expectTonesInTheirChannels(path: string, callMs: number): void {
  const { left, right } = readStereoWav(path);
  expect(Math.abs((left.length * 1000) / sampleRate - callMs)).toBeLessThan(1_000);
  // Each side spooled at least three seconds (30 blocks of 100 ms) before the hang-up; allow for the blocks
  // that straddle the start and the end of a side's audio.
  expect(toneBlocks(left, phoneTone, 0.6, sampleRate)).toBeGreaterThanOrEqual(25);
  expect(toneBlocks(right, appTone, 0.6, sampleRate)).toBeGreaterThanOrEqual(25);
  expect(toneBlocks(left, appTone, 0.6, sampleRate)).toBe(0);
  expect(toneBlocks(right, phoneTone, 0.6, sampleRate)).toBe(0);
}

describe('recording a bridged call', { timeout: 120_000 }, () => {
  it("writes a stereo WAV: the phone's tone left, the app's right, as long as the call", async () => {
    const dir = await tempDir('e2e');
    const queue = `recording-${process.pid}-e2e`;
    const bridge = await recordedBridge(dir, suiteRedis, queue);
    worker(suiteRedis, queue, dir);
    const ended = await recordedCall(bridge, dir);
    expect(ended).toMatchObject({ answered: true, by: 'sip' });

    const path = await waitFor('the WAV', () => wavIn(dir), 30_000);
    expect(path).toBe(join(dir, `${ended.callId}.wav`));
    expectTonesInTheirChannels(path, ended.durationMs);
    // The spools go once the WAV is written.
    await waitFor('the spools to be deleted', () => readdirSync(join(dir, 'spool')).length === 0);
  });

  it('keeps the job in the outbox while Redis is away, and processes it once Redis answers', async () => {
    const dir = await tempDir('outbox');
    const redis = await ownRedis(dir);
    cleanups.push(() => redis.stop());
    const password = 'rec-secret-4711';
    const url = `redis://:${password}@127.0.0.1:${redis.port}`;
    const queue = 'recording-outbox';
    const bridge = await recordedBridge(dir, url, queue);
    const ended = await recordedCall(bridge, dir);

    const outbox = join(dir, 'outbox');
    // Logged once the job file is in the outbox.
    await waitFor('the job kept in the outbox', () =>
      bridge.logs().includes('Redis is not available: the recording job waits in the outbox'),
    );
    expect(readdirSync(outbox)).toEqual([`${ended.callId}.json`]);

    await redis.start(['--requirepass', password]);
    worker(url, queue, dir);
    const path = await waitFor('the WAV', () => wavIn(dir), 30_000);
    expectTonesInTheirChannels(path, ended.durationMs);
    // Logged once the job is in Redis and out of the outbox.
    await waitFor('the outbox job enqueued', () => bridge.logs().includes('outbox job enqueued'));
    expect(readdirSync(outbox)).toEqual([]);
    // The Redis URL is in the logs only without its password.
    expect(bridge.logs()).toContain(`redis://:[redacted]@127.0.0.1:${redis.port}`);
    expect(bridge.logs()).not.toContain(password);
  });
});
