// kill -9 of a whole gateway in the middle of a bridged call (sipp phone ⇄ gateway ⇄ an app user), and a new
// gateway process on the same state folder: the phone gets a BYE, the app gets the session's hangUp, and the
// call journal is empty afterwards. The app user is a ConnectyCube adapter logged in as bob with a werift peer
// (as in adapters/connectycube/test/platform-to-platform.test.ts): what it is told is what the SDK is told.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConnectyCubePlatform, connectycube } from '@cubebridge/connectycube';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import { FileCallJournal, type LegEvent, type PlatformLeg } from '@cubebridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingContext } from '../harness/platform/adapterContext.ts';
import { sandboxConnection } from '../harness/platform/sandboxConnection.ts';
import { WeriftTestPeer } from '../harness/platform/WeriftTestPeer.ts';
import { freePort, startProcess, type TestProcess, waitFor } from '../harness/sip/processes.ts';
import { runSipp, stopSipps } from '../harness/sip/sipp.ts';

const gatewayScript = fileURLToPath(new URL('./fixtures/restartableGateway.ts', import.meta.url));
const users = ['alice', 'bob', 'carol'].map((login) => ({ login, password: `${login}-password` }));

describe('gateway killed with SIGKILL during a bridged call, then started again', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cb-state-'));
  const peers: WeriftTestPeer[] = [];
  const gateways: TestProcess[] = [];
  let sandbox: Sandbox;
  let app: ConnectyCubePlatform;
  const appLegs: Array<{ leg: PlatformLeg; events: LegEvent[] }> = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ janus: 'off', users });
    app = connectycube({
      ...sandboxConnection(sandbox),
      identities: { mode: 'gateway', user: { login: 'bob', password: 'bob-password' } },
    }) as ConnectyCubePlatform;
    await app.start(recordingContext());
    app.incoming$.subscribe((call) => {
      void (async () => {
        const peer = new WeriftTestPeer();
        peers.push(peer);
        const leg = await call.accept(peer);
        const events: LegEvent[] = [];
        leg.events$.subscribe((event) => events.push(event));
        appLegs.push({ leg, events });
        await leg.answer();
      })();
    });
  });

  afterAll(async () => {
    await stopSipps();
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(peers.map((peer) => peer.close()));
    await app?.stop();
    await sandbox?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const startGateway = async (trunkPort: number) => {
    const { appId, authKey } = sandbox.credentials;
    const bob = sandbox.users.find((user) => user.login === 'bob');
    const gateway = startProcess(process.execPath, [
      '--conditions=@cubebridge/source',
      '--no-warnings',
      gatewayScript,
      JSON.stringify({
        trunkPort,
        stateDir,
        appUserId: String(bob?.id),
        appId,
        authKey,
        apiUrl: sandbox.apiEndpoint,
        chatUrl: sandbox.chatEndpoint,
      }),
    ]);
    gateways.push(gateway);
    await waitFor('the gateway to start', () => gateway.output().includes('"gateway started"'), 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${gateway.output().slice(-5000)}`);
      },
    );
    return gateway;
  };
  const journal = () => {
    try {
      return readFileSync(join(stateDir, 'calls.jsonl'), 'utf8');
    } catch {
      return '';
    }
  };

  it('ends both sides of the call the killed process left up', async () => {
    const trunkPort = await freePort();
    const first = await startGateway(trunkPort);
    const sipp = await runSipp({
      scenario: 'uac_wait_for_bye.xml',
      remote: `127.0.0.1:${trunkPort}`,
      service: 'app',
      timeoutSec: 90,
    });
    await waitFor(
      'the app to answer',
      () => appLegs[0]?.events.some((event) => event.type === 'answered'),
      30_000,
    );
    // Both legs are journaled once answered.
    await waitFor('both legs in the journal', () => (journal().match(/"up"/g) ?? []).length >= 2, 10_000);
    expect(journal()).toContain('"kind":"sip"');
    expect(journal()).toContain('"kind":"platform"');

    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    const appLeg = appLegs[0]!;
    expect(appLeg.events.some((event) => event.type === 'ended')).toBe(false);

    const second = await startGateway(trunkPort);
    const result = await sipp.done;
    expect(result.code, `${result.output}\n${second.output().slice(-5000)}`).toBe(0);
    await waitFor('the app to be told', () => appLeg.events.some((event) => event.type === 'ended'), 15_000);
    expect(appLeg.events.at(-1)).toMatchObject({
      type: 'ended',
      reason: 'normal',
      by: 'remote',
      detail: 'hangUp',
    });
    await waitFor(
      'both orphans ended',
      () => (second.output().match(/ended a call an earlier process left up/g) ?? []).length === 2,
    );

    await second.stop();
    expect(new FileCallJournal(stateDir).left).toEqual([]);
  }, 120_000);
});
