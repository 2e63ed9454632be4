// Start and stop of the platform against the sandbox (SDK in Node, no browser): login failures are named and
// keep the password out, stop is idempotent and also works while chat is down and reconnecting.
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingContext } from '../../../test/harness/platform/adapterContext.ts';
import { sandboxConnection } from '../../../test/harness/platform/sandboxConnection.ts';
import { TcpDropProxy } from '../../../test/harness/platform/TcpDropProxy.ts';
import { WeriftTestPeer } from '../../../test/harness/platform/WeriftTestPeer.ts';
import { InvalidStateError } from '@cubebridge/core';
import createFromConfig, {
  type ConnectyCubeOptions,
  ConnectyCubePlatform,
  IdentityLoginError,
} from '../src/index.ts';

let sandbox: Sandbox;
let proxy: TcpDropProxy;

beforeAll(async () => {
  sandbox = await startSandbox({ janus: 'off' });
  proxy = await TcpDropProxy.inFrontOf(sandbox.chatEndpoint);
});

afterAll(async () => {
  await proxy?.close();
  await sandbox?.close();
});

function options(password: string, viaProxy = false): ConnectyCubeOptions {
  return {
    ...sandboxConnection(sandbox, viaProxy ? proxy.url(sandbox.chatEndpoint) : sandbox.chatEndpoint),
    identities: { mode: 'gateway', user: { login: 'carol', password } },
    reconnectDelayMs: 200,
  };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('platform lifecycle', () => {
  it('a wrong password fails start with IdentityLoginError naming the login, not the password', async () => {
    const platform = new ConnectyCubePlatform(options('wrong-secret-123'));
    const context = recordingContext();
    const error = await platform.start(context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IdentityLoginError);
    expect(error).toMatchObject({ login: 'carol', stage: 'session' });
    expect(String((error as Error).message)).toMatch(/^ConnectyCube login failed for 'carol': 401/);
    expect(String((error as Error).message)).not.toContain('wrong-secret-123');
    expect(context.logLines.join('\n')).not.toContain('wrong-secret-123');
    const media = new WeriftTestPeer();
    try {
      const call = platform.call({
        callId: 'x',
        to: ['1001'],
        from: { uri: 'sip:a@b' },
        media,
        kinds: { audio: true, video: false },
      });
      await expect(call).rejects.toBeInstanceOf(InvalidStateError);
    } finally {
      await media.close();
    }
  });

  it('start announces the identity, stop disconnects it and is idempotent', async () => {
    const platform = new ConnectyCubePlatform(options('carol-password'));
    const context = recordingContext();
    await platform.start(context);
    const identity = platform.identities[0]?.uri;
    expect(context.events.map((e) => e.type)).toEqual(['platform.connected']);
    await platform.stop();
    await platform.stop();
    expect(context.events.at(-1)).toMatchObject({ type: 'platform.disconnected', identity });
    expect(platform.identities[0]?.closed).toBe(true);
  });

  it('the default export takes a config section with URL endpoints and the identity mode', async () => {
    const platform = createFromConfig({
      appId: String(sandbox.credentials.appId),
      authKey: sandbox.credentials.authKey,
      identity: 'gateway',
      user: { login: 'carol', password: 'carol-password' },
      endpoints: { api: sandbox.apiEndpoint, chat: sandbox.chatEndpoint },
    });
    const context = recordingContext();
    try {
      await platform.start(context);
      expect(context.events[0]).toMatchObject({ type: 'platform.connected' });
    } finally {
      await platform.stop();
    }
  });

  it('stop while chat is down and reconnecting ends the reconnect attempts', async () => {
    const platform = new ConnectyCubePlatform(options('carol-password', true));
    const context = recordingContext();
    await platform.start(context);
    proxy.drop({ stayDown: true });
    try {
      await until(() => context.events.filter((e) => e.type === 'platform.reconnecting').length >= 2);
      await platform.stop();
      const attempts = context.events.filter((e) => e.type === 'platform.reconnecting').length;
      // Several reconnect delays pass with the proxy back up: a stopped platform must not log in again.
      proxy.restore();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(context.events.filter((e) => e.type === 'platform.reconnecting')).toHaveLength(attempts);
      expect(proxy.connections).toBe(0);
    } finally {
      proxy.restore();
    }
  });
});
