// Chat drops during calls: the adapter's chat runs through a proxy the test cuts. Calls in progress survive,
// the SDK reconnects, signals written meanwhile go out afterwards, and a refusal with chat down goes by REST.
import type { GatewayEvent, IncomingPlatformCall } from '@cubebridge/core';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type SdkPage } from '../../../test/harness/browser/index.ts';
import { type RecordingContext, recordingContext } from '../../../test/harness/platform/adapterContext.ts';
import { openAppUser } from '../../../test/harness/platform/appUser.ts';
import { Cleanups } from '../../../test/harness/platform/Cleanups.ts';
import { recordedEvent } from '../../../test/harness/platform/recordedEvent.ts';
import { sandboxConnection } from '../../../test/harness/platform/sandboxConnection.ts';
import { TcpDropProxy } from '../../../test/harness/platform/TcpDropProxy.ts';
import { WeriftTestPeer } from '../../../test/harness/platform/WeriftTestPeer.ts';
import { type ConnectyCubePlatform, connectycube } from '../src/index.ts';
import { legEvent } from '../../../test/harness/platform/legEvents.ts';

let sandbox: Sandbox;
let browser: Browser;
let proxy: TcpDropProxy;
let gateway: ConnectyCubePlatform;
let context: RecordingContext;
let gatewayId: number;
const cleanups = new Cleanups();

beforeAll(async () => {
  sandbox = await startSandbox({ janus: 'off' });
  browser = await launchChromium();
  proxy = await TcpDropProxy.inFrontOf(sandbox.chatEndpoint);
  context = recordingContext();
  gateway = connectycube({
    ...sandboxConnection(sandbox, proxy.url(sandbox.chatEndpoint)),
    identities: { mode: 'gateway', user: { login: 'carol', password: 'carol-password' } },
    dialingIntervalMs: 1000,
    reconnectDelayMs: 300,
    keepaliveIntervalMs: 2000,
  }) as ConnectyCubePlatform;
  await gateway.start(context);
  gatewayId = gateway.identities[0]?.userId as number;
});

afterEach(async () => {
  proxy.restore();
  await cleanups.run();
});

afterAll(async () => {
  await gateway?.stop();
  await proxy?.close();
  await browser?.close();
  await sandbox?.close();
});

const appUser = () => openAppUser(browser, sandbox, cleanups);
const testPeer = () => cleanups.closes(new WeriftTestPeer());

const platformEvent = (type: GatewayEvent['type'], from: number) => recordedEvent(context, type, from);

async function answeredCall(alice: SdkPage, peer: WeriftTestPeer) {
  const incoming = firstValueFrom(gateway.incoming$);
  await alice.call(gatewayId, 'audio');
  const call: IncomingPlatformCall = await incoming;
  const leg = await call.accept(peer);
  cleanups.add(() => leg.hangup('normal'));
  await leg.answer();
  await peer.waitForState('connected');
  return leg;
}

describe('chat connection dropped mid-call', () => {
  it('the call continues, chat reconnects, and the app’s hang-up afterwards still ends the leg', async () => {
    const alice = await appUser();
    const peer = testPeer();
    const leg = await answeredCall(alice, peer);
    const mark = context.events.length;
    proxy.drop();
    await platformEvent('platform.disconnected', mark);
    await platformEvent('platform.reconnecting', mark);
    const connected = await platformEvent('platform.connected', mark);
    expect(connected).toMatchObject({ identity: `connectycube:${gatewayId}` });
    expect(leg.closed).toBe(false);
    expect(peer.connectionState).toBe('connected');
    const ended = legEvent(leg, 'ended');
    await alice.hangUp();
    expect(await ended).toMatchObject({ reason: 'normal', by: 'remote' });
  });

  it('a connection that silently stops forwarding is found by the keepalive ping and replaced; the call goes on', async () => {
    const alice = await appUser();
    const peer = testPeer();
    const leg = await answeredCall(alice, peer);
    const mark = context.events.length;
    proxy.freeze();
    await platformEvent('platform.disconnected', mark);
    await platformEvent('platform.connected', mark);
    expect(context.logLines.some((line) => line.includes('chat ping unanswered'))).toBe(true);
    expect(leg.closed).toBe(false);
    expect(peer.connectionState).toBe('connected');
    const ended = legEvent(leg, 'ended');
    await alice.hangUp();
    expect(await ended).toMatchObject({ reason: 'normal', by: 'remote' });
  });

  it('a hang-up while chat is down reaches the app once chat is back', async () => {
    const alice = await appUser();
    const leg = await answeredCall(alice, testPeer());
    const mark = context.events.length;
    proxy.drop({ stayDown: true });
    await platformEvent('platform.disconnected', mark);
    await leg.hangup('normal');
    expect(leg.closed).toBe(true);
    proxy.restore();
    await platformEvent('platform.connected', mark);
    await alice.waitForEvent('stop', gatewayId);
  });

  it('a call refused while chat is down is rejected through POST /calls/reject', async () => {
    const alice = await appUser();
    const incoming = firstValueFrom(gateway.incoming$);
    await alice.call(gatewayId, 'audio');
    const call = await incoming;
    const mark = context.events.length;
    proxy.drop({ stayDown: true });
    await platformEvent('platform.disconnected', mark);
    await call.reject('busy');
    const reject = await alice.waitForEvent('reject', gatewayId);
    expect(reject.userInfo).toMatchObject({ busy: 'true' });
  });
});
