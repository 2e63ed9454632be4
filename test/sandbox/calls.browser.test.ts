// Two headless Chromium pages with the unmodified ConnectyCube SDK call each other through the sandbox:
// accept (and each hears the other's tone), hang-up from each side, reject (over chat and over REST), no answer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SdkPage, writeToneWav } from '../harness/browser/index.ts';

/** Each side's microphone plays its own tone, so hearing the other's frequency proves media went the right way. */
const aliceTone = 500;
const bobTone = 1300;

describe('1:1 calls between two browsers through the sandbox', { timeout: 90_000 }, () => {
  let sandbox: Sandbox;
  let workDir: string;
  const browsers: Browser[] = [];
  let alice: SdkPage;
  let bob: SdkPage;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cubebridge-calls-'));
    sandbox = await startSandbox({ janus: 'off' });
    const [aliceBrowser, bobBrowser] = await Promise.all([
      launchChromium({ fakeAudioFile: await writeToneWav(join(workDir, 'alice.wav'), aliceTone) }),
      launchChromium({ fakeAudioFile: await writeToneWav(join(workDir, 'bob.wav'), bobTone) }),
    ]);
    browsers.push(aliceBrowser, bobBrowser);
    // Alice gives up after 20 s of ringing, so the no-answer case stays short; Bob keeps the SDK defaults.
    alice = await SdkPage.open(aliceBrowser, sandbox, {
      configOverrides: { videochat: { answerTimeInterval: 20, dialingTimeInterval: 3 } },
    });
    bob = await SdkPage.open(bobBrowser, sandbox);
    await alice.login('alice', 'alice-password');
    await bob.login('bob', 'bob-password');
  });

  afterAll(async () => {
    await Promise.all(browsers.map((browser) => browser.close()));
    await sandbox?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** Alice calls Bob and waits until Bob's page rings for exactly that session. */
  async function ring(kind: 'audio' | 'video' = 'audio'): Promise<string> {
    const before = (await bob.events()).length;
    const sessionId = await alice.call(bob.userId, kind);
    await bob.page.waitForFunction(
      ([n, id]) => window.sdkHarness.events.slice(n).some((e) => e.type === 'call' && e.sessionId === id),
      [before, sessionId] as const,
      { timeout: 30_000, polling: 100 },
    );
    return sessionId;
  }

  async function eventsOf(page: SdkPage, sessionId: string): Promise<string[]> {
    return (await page.events()).filter((e) => e.sessionId === sessionId).map((e) => e.type);
  }

  it('accepted: both sides get the remote stream and hear each other; the caller hangs up', async () => {
    const sessionId = await ring('audio');
    await bob.accept();
    await alice.waitForEvent('accept', bob.userId);
    await alice.waitForEvent('remote-stream', bob.userId);
    await bob.waitForEvent('remote-stream', alice.userId);

    const bobHears = await bob.waitForTone(alice.userId, aliceTone);
    await alice.waitForTone(bob.userId, bobTone);
    // The tone that arrives is the other side's, not an echo of one's own.
    const bobHearsOwn = await bob.toneLevel(alice.userId, bobTone);
    expect(bobHearsOwn).toBeLessThan(bobHears - 30);

    await alice.hangUp({ reason: 'done' });
    const stop = await bob.waitForEvent('stop', alice.userId);
    expect(stop.sessionId).toBe(sessionId);
    expect(stop.userInfo).toMatchObject({ reason: 'done' });
  });

  it('accepted video call; the callee hangs up', async () => {
    const sessionId = await ring('video');
    await bob.accept();
    const remote = await bob.waitForSessionEvent('remote-stream', sessionId);
    expect(remote).toMatchObject({ audio: 1, video: 1 });
    // Bob's remote stream exists as soon as he applies Alice's offer, before his accept reaches her: wait for
    // it, or his stop can overtake her handling of the accept and close the session first.
    await alice.waitForSessionEvent('accept', sessionId);
    await bob.hangUp();
    await alice.waitForSessionEvent('stop', sessionId);
    expect(await eventsOf(alice, sessionId)).toEqual(expect.arrayContaining(['accept', 'stop']));
  });

  it('rejected over chat: the caller gets the reject with its userInfo', async () => {
    const sessionId = await ring();
    await bob.reject({ reason: 'busy' });
    const reject = await alice.waitForSessionEvent('reject', sessionId);
    expect(reject).toMatchObject({ userId: bob.userId, userInfo: { reason: 'busy' } });
  });

  it('rejected over REST (POST /calls/reject): the sandbox delivers the reject signal', async () => {
    const sessionId = await ring();
    await bob.page.evaluate(
      ([id, caller]) =>
        ConnectyCube.videochat.callRejectRequest({
          sessionID: id,
          recipientId: caller,
          platform: 'web',
          userInfo: { reason: 'declined-by-push' },
        }),
      [sessionId, alice.userId] as const,
    );
    const reject = await alice.waitForSessionEvent('reject', sessionId);
    expect(reject).toMatchObject({ userId: bob.userId, userInfo: { reason: 'declined-by-push' } });
  });

  it('not answered: the caller gives up after its answer timer, having re-sent the call', async () => {
    const before = (await bob.events()).length;
    const sessionId = await ring();
    await alice.waitForSessionEvent('no-answer', sessionId, { timeoutMs: 60_000, polling: 200 });
    // Bob's page saw the call (once: re-sent `call`s only refresh the session) and nothing that ended it.
    const bobSaw = (await bob.events())
      .slice(before)
      .filter((e) => e.sessionId === sessionId)
      .map((e) => e.type);
    expect(bobSaw).toEqual(['call']);
  });
});
