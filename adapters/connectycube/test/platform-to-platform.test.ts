// Two ConnectyCube platform adapters (gateway mode, users alice and bob) call each other through the sandbox:
// the adapter's outbound leg against its own inbound call, with real chat, real signalling and real ICE on werift.
import { type ConnectyCubePlatform, connectycube } from '../src/index.ts';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RecordingContext, recordingContext } from '../../../test/harness/platform/adapterContext.ts';
import { sandboxConnection } from '../../../test/harness/platform/sandboxConnection.ts';
import { legEvent } from '../../../test/harness/platform/legEvents.ts';
import { WeriftTestPeer } from '../../../test/harness/platform/WeriftTestPeer.ts';

let sandbox: Sandbox;
let alice: ConnectyCubePlatform;
let bob: ConnectyCubePlatform;
let aliceContext: RecordingContext;
let bobContext: RecordingContext;
const peers: WeriftTestPeer[] = [];

function platformFor(login: string, password: string): ConnectyCubePlatform {
  return connectycube({
    ...sandboxConnection(sandbox),
    identities: { mode: 'gateway', user: { login, password } },
    dialingIntervalMs: 1000,
    answerTimeoutMs: 8000,
  }) as ConnectyCubePlatform;
}

function peer(): WeriftTestPeer {
  const created = new WeriftTestPeer();
  peers.push(created);
  return created;
}

beforeAll(async () => {
  sandbox = await startSandbox({ janus: 'off' });
  aliceContext = recordingContext();
  bobContext = recordingContext();
  alice = platformFor('alice', 'alice-password');
  bob = platformFor('bob', 'bob-password');
  await alice.start(aliceContext);
  await bob.start(bobContext);
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await alice?.stop();
  await bob?.stop();
  await sandbox?.close();
});

describe('ConnectyCube adapter ↔ adapter through the sandbox', () => {
  it('alice calls bob, bob answers: both werift peers reach connected, then alice hangs up', async () => {
    const bobUri = bob.identities[0]?.uri as string;
    const incoming = firstValueFrom(bob.incoming$);
    const aliceLeg = await alice.call({
      callId: 'c1',
      to: [bobUri],
      from: { uri: 'sip:1001@pbx', displayName: 'Desk 1001' },
      media: peer(),
      kinds: { audio: true, video: false },
    });
    const call = await incoming;
    expect(call.from.uri).toBe(alice.identities[0]?.uri);
    expect(call.userInfo).toMatchObject({ from: 'sip:1001@pbx', fromName: 'Desk 1001' });
    expect(call.offered).toEqual({ audio: true, video: false });
    const bobPeer = peer();
    const bobLeg = await call.accept(bobPeer);
    await bobLeg.answer();
    await legEvent(aliceLeg, 'answered');
    await Promise.all([bobPeer.waitForState('connected'), peers[0]?.waitForState('connected')]);
    const bobEnded = legEvent(bobLeg, 'ended');
    await aliceLeg.hangup('normal');
    expect(await bobEnded).toMatchObject({ type: 'ended', reason: 'normal', by: 'remote' });
  });
});
