// The adapter against the unmodified ConnectyCube SDK in headless Chromium, through the sandbox: calls both
// ways with ICE connected on werift, and every way a call can end, as the app and as the gateway see it.
import type { IncomingPlatformCall, PlatformLeg } from '@cubebridge/core';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium, type SdkPage } from '../../../test/harness/browser/index.ts';
import { type RecordingContext, recordingContext } from '../../../test/harness/platform/adapterContext.ts';
import { openAppUser } from '../../../test/harness/platform/appUser.ts';
import { Cleanups } from '../../../test/harness/platform/Cleanups.ts';
import { sandboxConnection } from '../../../test/harness/platform/sandboxConnection.ts';
import { WeriftTestPeer } from '../../../test/harness/platform/WeriftTestPeer.ts';
import { UnsupportedError } from '@cubebridge/core';
import { type ConnectyCubePlatform, connectycube } from '../src/index.ts';
import { legEvent } from '../../../test/harness/platform/legEvents.ts';

let sandbox: Sandbox;
let browser: Browser;
let gateway: ConnectyCubePlatform;
let context: RecordingContext;
let gatewayId: number;
const cleanups = new Cleanups();

beforeAll(async () => {
  sandbox = await startSandbox({ janus: 'off' });
  browser = await launchChromium();
  context = recordingContext();
  gateway = connectycube({
    ...sandboxConnection(sandbox),
    identities: { mode: 'gateway', user: { login: 'carol', password: 'carol-password' } },
    dialingIntervalMs: 1000,
  }) as ConnectyCubePlatform;
  await gateway.start(context);
  gatewayId = gateway.identities[0]?.userId as number;
});

afterEach(async () => {
  await cleanups.run();
});

afterAll(async () => {
  await gateway?.stop();
  await browser?.close();
  await sandbox?.close();
});

const appUser = (login: 'alice' | 'bob') => openAppUser(browser, sandbox, cleanups, login);
const testPeer = () => cleanups.closes(new WeriftTestPeer());

function track(leg: PlatformLeg): PlatformLeg {
  cleanups.add(() => leg.hangup('normal'));
  return leg;
}

/** The app calls the gateway identity and the adapter offers the call. */
async function appCallsGateway(page: SdkPage): Promise<{ call: IncomingPlatformCall; sessionId: string }> {
  const incoming = firstValueFrom(gateway.incoming$);
  const sessionId = await page.call(gatewayId, 'audio');
  return { call: await incoming, sessionId };
}

describe('app (SDK in Chromium) calls the adapter', () => {
  it('accepted: the app gets accept, ICE connects on werift, the app hangs up → ended normal', async () => {
    const alice = await appUser('alice');
    const { call, sessionId } = await appCallsGateway(alice);
    expect(call.from.uri).toBe(`connectycube:${alice.userId}`);
    expect(call.to.uri).toBe(`connectycube:${gatewayId}`);
    expect(call.offered).toEqual({ audio: true, video: false });
    expect(call.userInfo).toMatchObject({ from: 'harness' });
    const peer = testPeer();
    const leg = track(await call.accept(peer));
    expect(leg.platformSessionId).toBe(sessionId);
    await leg.ring();
    await leg.answer();
    await alice.waitForEvent('accept', gatewayId);
    await peer.waitForState('connected');
    expect(peer.connectionState).toBe('connected');
    const ended = legEvent(leg, 'ended');
    await alice.hangUp();
    expect(await ended).toMatchObject({ reason: 'normal', by: 'remote' });
  });

  it('an ICE restart asked by the calling app is answered and the call stays connected', async () => {
    const alice = await appUser('alice');
    const { call, sessionId } = await appCallsGateway(alice);
    const peer = testPeer();
    const leg = track(await call.accept(peer));
    await leg.answer();
    await peer.waitForState('connected');
    const ufrag = () => /a=ice-ufrag:(\S+)/.exec(peer.pc.remoteDescription?.sdp ?? '')?.[1];
    const before = ufrag();
    await alice.page.evaluate(([id, to]) => window.ConnectyCube.videochat.sessions[id]?.iceRestart(to), [
      sessionId,
      gatewayId,
    ] as const);
    await vi.waitFor(() => expect(ufrag()).not.toBe(before), { timeout: 20_000 });
    const state = await alice.page.waitForFunction(
      ([id, to]) => {
        const pc = window.ConnectyCube.videochat.sessions[id]?.peerConnections[to];
        return pc?.signalingState === 'stable' && pc.iceConnectionState === 'connected'
          ? pc.signalingState
          : false;
      },
      [sessionId, gatewayId] as const,
      { timeout: 20_000 },
    );
    expect(await state.jsonValue()).toBe('stable');
    expect(leg.closed).toBe(false);
  });

  it('the adapter hangs up an answered call → the app gets stop', async () => {
    const alice = await appUser('alice');
    const { call } = await appCallsGateway(alice);
    const peer = testPeer();
    const leg = track(await call.accept(peer));
    await leg.answer();
    await peer.waitForState('connected');
    await leg.hangup('normal');
    await alice.waitForEvent('stop', gatewayId);
  });

  it('rejected as busy before accept → the app gets reject with userInfo busy', async () => {
    const alice = await appUser('alice');
    const { call } = await appCallsGateway(alice);
    await call.reject('busy');
    const reject = await alice.waitForEvent('reject', gatewayId);
    expect(reject.userInfo).toMatchObject({ busy: 'true', reason: 'busy' });
  });

  it('accepted but hung up while ringing → the app gets reject; ended by local', async () => {
    const alice = await appUser('alice');
    const { call } = await appCallsGateway(alice);
    const leg = track(await call.accept(testPeer()));
    await leg.ring();
    const ended = legEvent(leg, 'ended');
    await leg.hangup('declined');
    expect(await ended).toMatchObject({ reason: 'declined', by: 'local', detail: 'reject' });
    await alice.waitForEvent('reject', gatewayId);
  });

  it('a video call: offered video, accepted, ICE connects', async () => {
    const alice = await appUser('alice');
    const incoming = firstValueFrom(gateway.incoming$);
    await alice.call(gatewayId, 'video');
    const call = await incoming;
    expect(call.offered).toEqual({ audio: true, video: true });
    const peer = testPeer();
    const leg = track(await call.accept(peer));
    await leg.answer();
    await alice.waitForEvent('accept', gatewayId);
    await peer.waitForState('connected');
  });

  it('a group call (the gateway and another user in one session) is refused', async () => {
    const alice = await appUser('alice');
    const bob = await appUser('bob');
    let offered = 0;
    const subscription = gateway.incoming$.subscribe(() => {
      offered += 1;
    });
    await alice.page.evaluate(
      async ([a, b]) => {
        const session = window.ConnectyCube.videochat.createNewSession([a, b], 2);
        await session.getUserMedia({ audio: true, video: false });
        session.call({});
      },
      [gatewayId, bob.userId] as const,
    );
    const reject = await alice.waitForEvent('reject', gatewayId);
    expect(reject.userInfo).toMatchObject({ reason: 'refused' });
    subscription.unsubscribe();
    expect(offered).toBe(0);
  });

  it('the app hangs up while ringing → cancelled$ (before accept)', async () => {
    const alice = await appUser('alice');
    const { call } = await appCallsGateway(alice);
    const cancelled = firstValueFrom(call.cancelled$);
    await alice.hangUp();
    await cancelled;
    await expect(call.accept(testPeer())).rejects.toThrow(/cannot accept/);
  });

  it('the app hangs up while the accepted leg rings → ended cancelled', async () => {
    const alice = await appUser('alice');
    const { call } = await appCallsGateway(alice);
    const leg = track(await call.accept(testPeer()));
    const ended = legEvent(leg, 'ended');
    await alice.hangUp();
    expect(await ended).toMatchObject({ reason: 'cancelled', by: 'remote' });
  });
});

describe('the adapter calls an app user (SDK in Chromium)', () => {
  it('answered: callType 2, caller identity in userInfo, ICE connects on werift, the app hangs up → ended normal', async () => {
    const alice = await appUser('alice');
    const peer = testPeer();
    const leg = track(
      await gateway.call({
        callId: 'out-1',
        to: [`connectycube:${alice.userId}`],
        from: { uri: 'sip:1001@pbx.example.com', displayName: 'Reception' },
        media: peer,
        kinds: { audio: true, video: false },
      }),
    );
    await legEvent(leg, 'ringing');
    const call = await alice.waitForEvent('call', gatewayId);
    expect(call.sessionId).toBe(leg.platformSessionId);
    expect(call.userInfo).toMatchObject({ from: 'sip:1001@pbx.example.com', fromName: 'Reception' });
    const callType = await alice.page.evaluate(
      () => Object.values(window.ConnectyCube.videochat.sessions)[0]?.callType,
    );
    expect(callType).toBe(2);
    await alice.accept();
    await legEvent(leg, 'answered');
    await peer.waitForState('connected');
    await alice.waitForEvent('remote-stream', gatewayId);
    const ended = legEvent(leg, 'ended');
    await alice.hangUp();
    expect(await ended).toMatchObject({ reason: 'normal', by: 'remote' });
  });

  it('the adapter hangs up an answered call → the app gets stop', async () => {
    const alice = await appUser('alice');
    const peer = testPeer();
    const leg = track(await callApp([alice], peer));
    await alice.waitForEvent('call', gatewayId);
    await alice.accept();
    await peer.waitForState('connected');
    await leg.hangup('normal');
    await alice.waitForEvent('stop', gatewayId);
  });

  it('the app rejects → ended declined; rejects as busy → ended busy', async () => {
    const alice = await appUser('alice');
    const declined = track(await callApp([alice], testPeer()));
    await alice.waitForEvent('call', gatewayId);
    const ended = legEvent(declined, 'ended');
    await alice.reject();
    expect(await ended).toMatchObject({ reason: 'declined', by: 'remote', detail: 'reject' });

    const bob = await appUser('bob');
    const busy = track(await callApp([bob], testPeer()));
    await bob.waitForEvent('call', gatewayId);
    const busyEnded = legEvent(busy, 'ended');
    await bob.reject({ busy: 'true' });
    expect(await busyEnded).toMatchObject({ reason: 'busy', by: 'remote' });
  });

  it('nobody answers → ended no-answer and the app is told to stop ringing', async () => {
    const alice = await appUser('alice');
    const leg = track(await callApp([alice], testPeer(), 3000));
    await alice.waitForEvent('call', gatewayId);
    expect(await legEvent(leg, 'ended')).toMatchObject({ reason: 'no-answer' });
    await alice.waitForEvent('stop', gatewayId);
  });

  it('the adapter hangs up while ringing → the app gets stop', async () => {
    const alice = await appUser('alice');
    const leg = track(await callApp([alice], testPeer()));
    await alice.waitForEvent('call', gatewayId);
    await leg.hangup('cancelled');
    await alice.waitForEvent('stop', gatewayId);
  });

  it('hunt group: two apps ring, the second answers, the first is told to stop', async () => {
    const alice = await appUser('alice');
    const bob = await appUser('bob');
    const peer = testPeer();
    const leg = track(await callApp([alice, bob], peer));
    await alice.waitForEvent('call', gatewayId);
    await bob.waitForEvent('call', gatewayId);
    await bob.accept();
    await legEvent(leg, 'answered');
    await peer.waitForState('connected');
    await alice.waitForEvent('stop', gatewayId);
    expect(leg.remote.uri).toBe(`connectycube:${bob.userId}`);
  });

  it('hold is not in the protocol → UnsupportedError', async () => {
    const alice = await appUser('alice');
    const leg = track(await callApp([alice], testPeer()));
    await expect(leg.hold()).rejects.toBeInstanceOf(UnsupportedError);
  });
});

describe('DTMF as system messages', () => {
  it('digits from the adapter reach the app, and digits from the app become dtmf leg events', async () => {
    const alice = await appUser('alice');
    await alice.page.evaluate(() => {
      window.dtmfReceived = [];
      window.ConnectyCube.chat.onSystemMessageListener = (message) => window.dtmfReceived.push(message);
    });
    const peer = testPeer();
    const leg = track(await callApp([alice], peer));
    await alice.waitForEvent('call', gatewayId);
    await alice.accept();
    await legEvent(leg, 'answered');
    await leg.sendDtmf('42#', { durationMs: 160 });
    const received = await alice.page.waitForFunction(() => window.dtmfReceived[0], undefined, {
      timeout: 20_000,
    });
    expect(await received.jsonValue()).toMatchObject({
      userId: gatewayId,
      extension: { type: 'dtmf', sessionID: leg.platformSessionId, digits: '42#', durationMs: '160' },
    });

    const digits: string[] = [];
    const subscription = leg.events$.subscribe((event) => {
      if (event.type === 'dtmf') digits.push(event.digit);
    });
    await alice.page.evaluate(
      ([to, sessionID]) =>
        window.ConnectyCube.chat.sendSystemMessage(to, {
          extension: { type: 'dtmf', sessionID, digits: '7*' },
        }),
      [gatewayId, leg.platformSessionId] as const,
    );
    const dtmf = await legEvent(leg, 'dtmf');
    expect(dtmf).toMatchObject({ via: 'platform-message' });
    await vi.waitFor(() => expect(digits).toEqual(['7', '*']), { timeout: 20_000 });
    subscription.unsubscribe();
  });
});

describe('gateway mode addressing and secrets', () => {
  it('the app gives the SIP target in userInfo.to', async () => {
    const alice = await appUser('alice');
    const incoming = firstValueFrom(gateway.incoming$);
    await alice.page.evaluate(async (to) => {
      const videochat = window.ConnectyCube.videochat;
      const session = videochat.createNewSession([to], 2);
      await session.getUserMedia({ audio: true, video: false });
      session.call({ to: 'sip:1001@pbx.example.com' });
    }, gatewayId);
    const call = await incoming;
    expect(call.userInfo.to).toBe('sip:1001@pbx.example.com');
    await call.reject('declined');
  });

  it('no password or session token appears in what the adapter logged', () => {
    const log = context.logLines.join('\n');
    expect(context.logLines.length).toBeGreaterThan(0);
    expect(log).not.toContain('carol-password');
    expect(log).not.toMatch(/token/i);
  });
});

function callApp(pages: SdkPage[], media: WeriftTestPeer, ringTimeoutMs?: number): Promise<PlatformLeg> {
  return gateway.call({
    callId: `out-${Math.random()}`,
    to: pages.map((page) => `connectycube:${page.userId}`),
    from: { uri: 'sip:1001@pbx.example.com' },
    media,
    kinds: { audio: true, video: false },
    ...(ringTimeoutMs ? { ringTimeoutMs } : {}),
  });
}

declare global {
  interface Window {
    dtmfReceived: unknown[];
    ConnectyCube: {
      videochat: {
        sessions: Record<
          string,
          {
            callType: number;
            iceRestart(userId: number): Promise<void>;
            peerConnections: Record<number, { signalingState: string; iceConnectionState: string }>;
          }
        >;
        createNewSession(
          opponents: number[],
          callType: number,
        ): {
          getUserMedia(constraints: { audio: boolean; video: boolean }): Promise<unknown>;
          call(userInfo: Record<string, string>): void;
        };
      };
      chat: {
        onSystemMessageListener: (message: unknown) => void;
        sendSystemMessage(to: number, message: { extension: Record<string, string> }): string;
      };
    };
  }
}
