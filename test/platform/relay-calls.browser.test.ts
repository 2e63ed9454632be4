// The ConnectyCube adapter with the real media relay: the unmodified SDK in Chromium ⇄ sandbox signalling ⇄
// adapter ⇄ werift relay ⇄ a plain RTP phone. A tone is heard both ways, with the app calling and being called.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectyCubePlatform, connectycube } from '@cubebridge/connectycube';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WeriftRelay, weriftRelay } from '../../adapters/media-werift/src/index.ts';
import { launchChromium, type SdkPage, writeToneWav } from '../harness/browser/index.ts';
import { waitFor } from '../harness/media/Browser.ts';
import { RtpPeer } from '../harness/media/RtpPeer.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';
import { recordingContext } from '../harness/platform/adapterContext.ts';
import { openAppUser } from '../harness/platform/appUser.ts';
import { Cleanups } from '../harness/platform/Cleanups.ts';
import { legEvent } from '../harness/platform/legEvents.ts';
import { sandboxConnection } from '../harness/platform/sandboxConnection.ts';

const APP_TONE = 700;
const PHONE_TONE = 1000;

let sandbox: Sandbox;
let browser: Browser;
let relay: WeriftRelay;
let gateway: ConnectyCubePlatform;
let gatewayId: number;
let toneDir: string;
const cleanups = new Cleanups();

beforeAll(async () => {
  toneDir = await mkdtemp(join(tmpdir(), 'cc-relay-'));
  const toneFile = await writeToneWav(join(toneDir, 'app-tone.wav'), APP_TONE, 10);
  sandbox = await startSandbox({ janus: 'off' });
  browser = await launchChromium({ fakeAudioFile: toneFile });
  relay = weriftRelay({ bindAddress: '127.0.0.1', rtpPorts: [50000, 50999] });
  gateway = connectycube({
    ...sandboxConnection(sandbox),
    identities: { mode: 'gateway', user: { login: 'carol', password: 'carol-password' } },
    dialingIntervalMs: 1000,
  }) as ConnectyCubePlatform;
  await gateway.start(recordingContext());
  gatewayId = gateway.identities[0]?.userId as number;
});

afterEach(async () => {
  await cleanups.run();
});

afterAll(async () => {
  await gateway?.stop();
  await relay?.stop();
  await browser?.close();
  await sandbox?.close();
  if (toneDir) await rm(toneDir, { recursive: true, force: true });
});

async function parts() {
  const page = await openAppUser(browser, sandbox, cleanups);
  const phone = cleanups.closes(await new RtpPeer('PCMU', PHONE_TONE, APP_TONE).bind());
  const session = cleanups.closes(
    await relay.createSession({ callId: `cc-${Math.random()}`, logger: silentLogger, statsIntervalMs: 0 }),
  );
  return { page, phone, session };
}

async function expectToneBothWays(page: SdkPage, phone: RtpPeer): Promise<void> {
  const since = performance.now();
  await page.waitForTone(gatewayId, PHONE_TONE, { timeoutMs: 20_000 });
  await waitFor('the phone to hear the app tone', () => phone.toneFrames(since) >= 50);
}

describe('ConnectyCube adapter with the werift media relay', () => {
  it('the app calls: the adapter accepts with the relay, the phone answers, tones flow both ways', async () => {
    const { page, phone, session } = await parts();
    const incoming = firstValueFrom(gateway.incoming$);
    await page.call(gatewayId, 'audio');
    const call = await incoming;
    const leg = await call.accept(session.webrtc);
    cleanups.add(() => leg.hangup('normal'));
    await session.sip.setRemoteAnswer(phone.answer(await session.sip.createOffer()));
    phone.start();
    await leg.answer();
    await page.waitForEvent('accept', gatewayId);
    await expectToneBothWays(page, phone);
    const end = legEvent(leg, 'ended');
    await page.hangUp();
    expect(await end).toMatchObject({ reason: 'normal', by: 'remote' });
  });

  it('the phone calls the app through the adapter: tones flow both ways, the adapter hangs up', async () => {
    const { page, phone, session } = await parts();
    await session.sip.setRemoteOffer(phone.offer());
    const leg = await gateway.call({
      callId: 'relay-out',
      to: [`connectycube:${page.userId}`],
      from: { uri: 'sip:1001@pbx.example.com' },
      media: session.webrtc,
      kinds: { audio: true, video: false },
    });
    cleanups.add(() => leg.hangup('normal'));
    await page.waitForEvent('call', gatewayId);
    await page.accept();
    await legEvent(leg, 'answered');
    phone.setRemote(await session.sip.createAnswer());
    phone.start();
    await expectToneBothWays(page, phone);
    await leg.hangup('normal');
    await page.waitForEvent('stop', gatewayId);
  });
});
