// The far side of `pnpm bench:e2e`, in its own process so that it never shares the gateway's event loop: the
// ConnectyCube sandbox and an app user (alice) who answers every call at once with a werift peer.
// Speaks to its parent over IPC: sends `{ ready }` with the sandbox's endpoints, exits on `stop`.
import { startSandbox } from '@cubebridge/connectycube-sandbox';
import type { IncomingPlatformCall } from '@cubebridge/core';
import { connectycube } from '../../adapters/connectycube/src/index.ts';
import { recordingContext } from '../harness/platform/adapterContext.ts';
import { WeriftTestPeer } from '../harness/platform/WeriftTestPeer.ts';

export interface AppReady {
  readonly type: 'ready';
  readonly appId: number;
  readonly authKey: string;
  readonly apiUrl: string;
  readonly chatUrl: string;
  readonly users: Readonly<Record<string, number>>;
}

if (!process.send) throw new Error('e2e-app.ts runs as a child of e2e.ts (IPC channel required)');

const sandbox = await startSandbox({ janus: 'off' });
const app = connectycube({
  appId: sandbox.credentials.appId,
  authKey: sandbox.credentials.authKey,
  endpoints: { apiUrl: sandbox.apiEndpoint, chatUrl: sandbox.chatEndpoint },
  identities: { mode: 'gateway', user: { login: 'alice', password: 'alice-password' } },
});
await app.start(recordingContext());
const peers = new Set<WeriftTestPeer>();

/** Accepts (the `accept` signal carries the werift peer's answer) as soon as the call arrives. */
async function answer(call: IncomingPlatformCall): Promise<void> {
  const peer = new WeriftTestPeer();
  peers.add(peer);
  const release = () => {
    peers.delete(peer);
    void peer.close();
  };
  try {
    const leg = await call.accept(peer);
    leg.events$.subscribe({ next: (event) => event.type === 'ended' && release(), complete: release });
    await leg.answer();
  } catch (error) {
    console.error(`app: answering failed: ${String(error)}`);
    release();
  }
}
app.incoming$.subscribe((call) => void answer(call));

// The parent gone (it crashed, or was killed), nothing here has a reason to live.
process.once('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message !== 'stop') return;
  void (async () => {
    await app.stop();
    await Promise.all([...peers].map((peer) => peer.close()));
    await sandbox.close();
    process.exit(0);
  })();
});
const ready: AppReady = {
  type: 'ready',
  appId: sandbox.credentials.appId,
  authKey: sandbox.credentials.authKey,
  apiUrl: sandbox.apiEndpoint,
  chatUrl: sandbox.chatEndpoint,
  users: Object.fromEntries(sandbox.users.map((user) => [user.login, user.id])),
};
process.send(ready);
