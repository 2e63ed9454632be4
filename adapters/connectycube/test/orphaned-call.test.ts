// A call the gateway left up when it died: its leg is in the CallJournal from answer on, and a new adapter
// logged in as the same user, given that record, sends the app the session's `hangUp` — the app's call ends.
// (Two adapters through the sandbox, as in platform-to-platform.test.ts: bob plays the app.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endOrphanedCalls, FileCallJournal } from '@cubebridge/core';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingContext } from '../../../test/harness/platform/adapterContext.ts';
import { legEvent } from '../../../test/harness/platform/legEvents.ts';
import { sandboxConnection } from '../../../test/harness/platform/sandboxConnection.ts';
import { WeriftTestPeer } from '../../../test/harness/platform/WeriftTestPeer.ts';
import { type ConnectyCubePlatform, connectycube } from '../src/index.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'cb-state-'));
let sandbox: Sandbox;
const platforms: ConnectyCubePlatform[] = [];
const peers: WeriftTestPeer[] = [];

function platformFor(login: string, password: string): ConnectyCubePlatform {
  const platform = connectycube({
    ...sandboxConnection(sandbox),
    identities: { mode: 'gateway', user: { login, password } },
    dialingIntervalMs: 1000,
    answerTimeoutMs: 8000,
  }) as ConnectyCubePlatform;
  platforms.push(platform);
  return platform;
}

function peer(): WeriftTestPeer {
  const created = new WeriftTestPeer();
  peers.push(created);
  return created;
}

beforeAll(async () => {
  sandbox = await startSandbox({ janus: 'off' });
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  for (const platform of platforms) await platform.stop();
  await sandbox?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a ConnectyCube leg left up by a dead gateway', () => {
  it('is journaled on answer, and a restarted adapter hangs it up for the app', async () => {
    const journal = new FileCallJournal(stateDir);
    const gateway = platformFor('alice', 'alice-password');
    const app = platformFor('bob', 'bob-password');
    await gateway.start({ ...recordingContext(), journal });
    await app.start(recordingContext());
    const incoming = firstValueFrom(app.incoming$);
    const gatewayLeg = await gateway.call({
      callId: 'orphan-1',
      to: [app.identities[0]?.uri as string],
      from: { uri: 'sip:1001@pbx' },
      media: peer(),
      kinds: { audio: true, video: false },
    });
    const appLeg = await (await incoming).accept(peer());
    await appLeg.answer();
    await legEvent(gatewayLeg, 'answered');

    // What a new process finds: the answered leg, with what its hangUp needs.
    const afterCrash = new FileCallJournal(stateDir);
    expect(afterCrash.left).toEqual([
      expect.objectContaining({
        kind: 'platform',
        sessionId: gatewayLeg.platformSessionId,
        identity: String(gateway.identities[0]?.userId),
        peer: String(app.identities[0]?.userId),
        callerId: String(gateway.identities[0]?.userId),
        opponentIds: [String(app.identities[0]?.userId)],
        callType: 2,
      }),
    ]);

    // The first adapter is never told (it stands for the killed process); a second one as the same user ends it.
    const restarted = platformFor('alice', 'alice-password');
    await restarted.start({ ...recordingContext(), journal: afterCrash });
    const appEnded = legEvent(appLeg, 'ended');
    const result = await endOrphanedCalls(afterCrash, { platform: restarted }, recordingContext().logger);
    expect(result).toEqual({ ended: 1, failed: 0 });
    expect(await appEnded).toMatchObject({ type: 'ended', reason: 'normal', by: 'remote', detail: 'hangUp' });
    expect(new FileCallJournal(stateDir).left).toEqual([]);
  });
});
