// The worker on the suite's real Redis, fed real G.711 spools: it writes the stereo WAV with each side in its
// channel at its time, and a job whose spool is missing or corrupt fails at once with the reason while the
// worker process (the real `cubebridge-recording-worker` command) goes on with the next job.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { toneBlocks } from '../../../test/harness/sip/audio.ts';
import { startProcess, type TestProcess, waitFor } from '../../../test/harness/sip/processes.ts';
import {
  createRecordingWorker,
  type RecordingJobData,
  type RecordingResult,
  recordingJobId,
  recordingJobName,
} from '../src/index.ts';
import { readStereoWav, suiteRedis, tempDir, writeToneSpool } from './support.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

function jobFor(callId: string, sipSpool: string, appSpool: string, durationMs: number): RecordingJobData {
  const leg = (spool: string, codec: string) => ({ spool, codecs: [codec], packets: 0, dropped: 0 });
  return {
    callId,
    direction: 'sip-to-platform',
    from: 'sip:bob@127.0.0.1',
    to: 'connectycube:7',
    startedAt: new Date().toISOString(),
    durationMs,
    legs: { sip: leg(sipSpool, 'PCMU/8000'), webrtc: leg(appSpool, 'PCMA/8000') },
  };
}

function queueNamed(name: string): Queue<RecordingJobData, RecordingResult> {
  const queue = new Queue<RecordingJobData, RecordingResult>(name, { connection: { url: suiteRedis } });
  cleanups.push(() => queue.close());
  return queue;
}

async function finished(queue: Queue, callId: string) {
  return waitFor(
    `job ${callId} to finish`,
    async () => {
      // The state first, then the job: a job read before it finished would lack its result or reason.
      const state = await queue.getJobState(recordingJobId(callId));
      if (state !== 'completed' && state !== 'failed') return undefined;
      const job = await queue.getJob(recordingJobId(callId));
      return job && { job, state };
    },
    20_000,
  );
}

describe('the recording worker', () => {
  it('writes a stereo WAV: the SIP side left, the app side right, each at its time, silence between', async () => {
    const dir = await tempDir('worker');
    const name = `recording-${randomUUID()}`;
    const worker = createRecordingWorker({ redis: suiteRedis, queue: name, dir, sampleRate: 16000 });
    cleanups.push(() => worker.close());
    const queue = queueNamed(name);

    // The phone (G.711) speaks from 0 to 2 s; the app (Opus) from 1 s to 3 s; both over a jittery network, with
    // RTP sequence numbers and timestamps that wrap.
    const sip = join(dir, 'call.sip.spool');
    const app = join(dir, 'call.webrtc.spool');
    await writeToneSpool(sip, { codec: 'PCMU', hz: 440, fromMs: 0, seconds: 2, jitterMs: 40 });
    await writeToneSpool(app, { codec: 'opus', hz: 700, fromMs: 1000, seconds: 2, jitterMs: 60 });
    const callId = randomUUID();
    await queue.add(recordingJobName, jobFor(callId, sip, app, 3_500), { jobId: recordingJobId(callId) });

    const { job, state } = await finished(queue, callId);
    expect({ state, reason: job.failedReason }).toEqual({ state: 'completed', reason: undefined });
    const result = job.returnvalue as RecordingResult;
    expect(result).toMatchObject({ callId, path: resolve(dir, `${callId}.wav`), sampleRate: 16000 });
    expect(result.durationMs).toBe(3_500);
    const { left, right } = readStereoWav(result.path);
    expect(left.length).toBe(16000 * 3.5);
    const second = (samples: Int16Array, from: number, to: number) => samples.slice(from * 16000, to * 16000);
    // 100 ms blocks: 10 a second.
    expect(toneBlocks(second(left, 0, 2), 440, 0.6, 16000)).toBe(20);
    expect(toneBlocks(second(left, 2, 3.5), 440, 0.6, 16000)).toBe(0);
    expect(toneBlocks(second(right, 0, 1), 700, 0.6, 16000)).toBe(0);
    expect(toneBlocks(second(right, 1, 3), 700, 0.6, 16000)).toBe(20);
    expect(toneBlocks(left, 700, 0.6, 16000)).toBe(0);
    expect(toneBlocks(right, 440, 0.6, 16000)).toBe(0);
    // The spools go only once the WAV is there.
    expect(existsSync(sip) || existsSync(app)).toBe(false);
  });

  it('fails a job whose spool is missing or corrupt with the reason, at once, and the worker process goes on', async () => {
    const dir = await tempDir('failing');
    const name = `recording-${randomUUID()}`;
    const bin: TestProcess = startProcess(process.execPath, [
      '--conditions=@cubebridge/source',
      resolve(import.meta.dirname, '../src/cli/worker.ts'),
      '--redis',
      suiteRedis,
      '--queue',
      name,
      '--dir',
      dir,
    ]);
    cleanups.push(() => bin.stop());
    await waitFor('the worker command to connect', () => bin.output().includes('recording worker connected'));
    const queue = queueNamed(name);
    const options = (callId: string) => ({
      jobId: recordingJobId(callId),
      attempts: 3,
      backoff: { type: 'fixed', delay: 100 },
    });

    const good = join(dir, 'good.spool');
    await writeToneSpool(good, { codec: 'PCMU', hz: 440, fromMs: 0, seconds: 1 });
    const missing = randomUUID();
    await queue.add(
      recordingJobName,
      jobFor(missing, join(dir, 'nowhere.spool'), good, 1000),
      options(missing),
    );
    const corruptSpool = join(dir, 'corrupt.spool');
    await writeFile(corruptSpool, 'this is not a spool at all');
    const corrupt = randomUUID();
    await queue.add(recordingJobName, jobFor(corrupt, good, corruptSpool, 1000), options(corrupt));

    const first = await finished(queue, missing);
    expect(first.state).toBe('failed');
    expect(first.job.failedReason).toBe(`spool file ${join(dir, 'nowhere.spool')} is missing`);
    expect(first.job.attemptsMade).toBe(1);
    const second = await finished(queue, corrupt);
    expect(second.state).toBe('failed');
    expect(second.job.failedReason).toMatch(/corrupt\.spool is not a recording spool/);
    expect(second.job.attemptsMade).toBe(1);
    // The good spool was kept: a failed job deletes nothing.
    expect(existsSync(good)).toBe(true);

    const fine = randomUUID();
    const other = join(dir, 'other.spool');
    await writeToneSpool(other, { codec: 'PCMA', hz: 700, fromMs: 0, seconds: 1 });
    await queue.add(recordingJobName, jobFor(fine, good, other, 1000), options(fine));
    const last = await finished(queue, fine);
    expect({ state: last.state, reason: last.job.failedReason }).toEqual({
      state: 'completed',
      reason: undefined,
    });
    expect(existsSync(join(dir, `${fine}.wav`))).toBe(true);
    expect(bin.output()).toMatch(/recording job failed/);
    expect(bin.output()).toMatch(/recording written/);
  });

  it('retries a job that failed for a passing reason, with back-off, and keeps the spools until the WAV is written', async () => {
    const dir = await tempDir('retry');
    // The output folder cannot be created while a file stands in its place.
    const output = join(dir, 'wav');
    await writeFile(output, 'in the way');
    const name = `recording-${randomUUID()}`;
    const worker = createRecordingWorker({ redis: suiteRedis, queue: name, dir: output });
    cleanups.push(() => worker.close());
    const queue = queueNamed(name);
    const sip = join(dir, 'sip.spool');
    const app = join(dir, 'app.spool');
    await writeToneSpool(sip, { codec: 'PCMU', hz: 440, fromMs: 0, seconds: 1 });
    await writeToneSpool(app, { codec: 'PCMA', hz: 700, fromMs: 0, seconds: 1 });
    const callId = randomUUID();
    await queue.add(recordingJobName, jobFor(callId, sip, app, 1000), {
      jobId: recordingJobId(callId),
      attempts: 50,
      backoff: { type: 'fixed', delay: 200 },
    });

    const failedOnce = await waitFor('a failed attempt', async () => {
      const job = await queue.getJob(recordingJobId(callId));
      return job && job.attemptsMade >= 1 ? job : undefined;
    });
    expect(failedOnce.failedReason).toMatch(/EEXIST|ENOTDIR/);
    expect(existsSync(sip) && existsSync(app)).toBe(true);
    await rm(output);

    const { job, state } = await finished(queue, callId);
    expect({ state, reason: job.failedReason }).toMatchObject({ state: 'completed' });
    expect(job.attemptsMade).toBeGreaterThan(1);
    expect(existsSync(join(output, `${callId}.wav`))).toBe(true);
    expect(existsSync(sip) || existsSync(app)).toBe(false);
  });
});
