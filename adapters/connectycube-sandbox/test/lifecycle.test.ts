// The sandbox's lifecycle: close() is idempotent and cascades (chat streams ended, keep-alive HTTP connections and
// the listening port released), `closed` is known, and a closed sandbox refuses to hand out config.
import { describe, expect, it } from 'vitest';
import { SandboxClosedError, SandboxConfigError, startSandbox } from '../src/index.ts';
import { RawXmppClient } from './rawXmppClient.ts';

describe('sandbox lifecycle', () => {
  it('closes chat streams and the server, once, however often close() is called', async () => {
    const sandbox = await startSandbox({
      janus: 'off',
      users: [{ id: 7, login: 'u', password: 'u-password' }],
    });
    const client = await RawXmppClient.connect(sandbox.chatEndpoint);
    await client.login(`7-${sandbox.credentials.appId}`, 'u-password');
    // A keep-alive HTTP connection must not hold the server open.
    expect((await fetch(`${sandbox.apiEndpoint}/admin`)).status).toBe(200);
    expect(sandbox.closed).toBe(false);

    const first = sandbox.close();
    const second = sandbox.close();
    expect(second).toBe(first);
    expect(sandbox.closed).toBe(true);
    await first;

    await client.next((frame) => frame.name === 'close');
    await client.closed();
    await expect(fetch(`${sandbox.apiEndpoint}/admin`)).rejects.toThrow();
    expect(() => sandbox.sdkConfig()).toThrow(SandboxClosedError);
    await sandbox.close();
  });

  it('listens on a free port each time, on loopback by default', async () => {
    const [a, b] = await Promise.all([startSandbox({ janus: 'off' }), startSandbox({ janus: 'off' })]);
    try {
      expect(a.apiEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(a.apiEndpoint).not.toBe(b.apiEndpoint);
      expect(a.sdkConfig()).toEqual({
        endpoints: { api_url: a.apiEndpoint, chat: '127.0.0.1', chat_url: a.chatEndpoint },
        chatProtocol: { websocket: a.chatEndpoint },
        videochat: { iceServers: [] },
        debug: { mode: 0 },
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses seed users that clash, before listening', async () => {
    await expect(
      startSandbox({
        janus: 'off',
        users: [
          { login: 'same', password: 'p-12345678' },
          { login: 'same', password: 'q-12345678' },
        ],
      }),
    ).rejects.toThrow(SandboxConfigError);
    await expect(
      startSandbox({
        janus: 'off',
        users: [
          { id: 5, login: 'a', password: 'p-12345678' },
          { id: 5, login: 'b', password: 'q-12345678' },
        ],
      }),
    ).rejects.toThrow(/user id 5 is used twice/);
  });
});
