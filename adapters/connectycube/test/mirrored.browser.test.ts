// Mirrored mode: each SIP extension has its own ConnectyCube user, logged in by the adapter. An app calls that
// user like anyone else; a SIP extension's calls reach apps from its own user (else from the fallback user).
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test/harness/browser/index.ts';
import { recordingContext } from '../../../test/harness/platform/adapterContext.ts';
import { openAppUser } from '../../../test/harness/platform/appUser.ts';
import { Cleanups } from '../../../test/harness/platform/Cleanups.ts';
import { sandboxConnection } from '../../../test/harness/platform/sandboxConnection.ts';
import { WeriftTestPeer } from '../../../test/harness/platform/WeriftTestPeer.ts';
import { type ConnectyCubePlatform, connectycube } from '../src/index.ts';
import { legEvent } from '../../../test/harness/platform/legEvents.ts';

let sandbox: Sandbox;
let browser: Browser;
let platform: ConnectyCubePlatform;
let bobId: number;
let carolId: number;
const cleanups = new Cleanups();

beforeAll(async () => {
  sandbox = await startSandbox({ janus: 'off' });
  browser = await launchChromium();
  platform = connectycube({
    ...sandboxConnection(sandbox),
    identities: {
      mode: 'mirrored',
      users: [
        { sip: 'sip:1001@pbx.example.com', displayName: 'Desk 1001', login: 'bob', password: 'bob-password' },
      ],
      fallback: { login: 'carol', password: 'carol-password' },
    },
    dialingIntervalMs: 1000,
  }) as ConnectyCubePlatform;
  await platform.start(recordingContext());
  const [bob, carol] = platform.identities;
  bobId = bob?.userId as number;
  carolId = carol?.userId as number;
});

afterEach(async () => {
  await cleanups.run();
});

afterAll(async () => {
  await platform?.stop();
  await browser?.close();
  await sandbox?.close();
});

const alicePage = () => openAppUser(browser, sandbox, cleanups);
const testPeer = () => cleanups.closes(new WeriftTestPeer());

describe('mirrored identities', () => {
  it('an app calls the mirrored user of extension 1001: the call is to that SIP identity and connects', async () => {
    const alice = await alicePage();
    const incoming = firstValueFrom(platform.incoming$);
    await alice.call(bobId, 'audio');
    const call = await incoming;
    expect(call.to).toEqual({ uri: 'sip:1001@pbx.example.com', displayName: 'Desk 1001' });
    expect(call.from.uri).toBe(`connectycube:${alice.userId}`);
    const peer = testPeer();
    const leg = await call.accept(peer);
    cleanups.add(() => leg.hangup('normal'));
    await leg.answer();
    await alice.waitForEvent('accept', bobId);
    await peer.waitForState('connected');
    const ended = legEvent(leg, 'ended');
    await alice.hangUp();
    expect(await ended).toMatchObject({ reason: 'normal', by: 'remote' });
  });

  it('extension 1001 calls an app from its own user; an unmapped extension from the fallback user', async () => {
    const alice = await alicePage();
    const fromDesk = await platform.call({
      callId: 'm-1',
      to: [`connectycube:${alice.userId}`],
      from: { uri: 'sip:1001@PBX.example.com;transport=udp' },
      media: testPeer(),
      kinds: { audio: true, video: false },
    });
    cleanups.add(() => fromDesk.hangup('normal'));
    expect(fromDesk.local).toEqual({ uri: 'sip:1001@pbx.example.com', displayName: 'Desk 1001' });
    await alice.waitForEvent('call', bobId);
    const declined = legEvent(fromDesk, 'ended');
    await alice.reject();
    expect(await declined).toMatchObject({ reason: 'declined' });

    const fromOther = await platform.call({
      callId: 'm-2',
      to: [String(alice.userId)],
      from: { uri: 'sip:2002@pbx.example.com' },
      media: testPeer(),
      kinds: { audio: true, video: false },
    });
    cleanups.add(() => fromOther.hangup('normal'));
    await alice.waitForEvent('call', carolId);
  });
});
