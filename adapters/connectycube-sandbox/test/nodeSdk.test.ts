// The SDK's Node build, unmodified, against the sandbox: sessions, users, chat messages and call signals between two
// SDK instances, the session-expired hook, and a wrong chat password.
import connectycubeModule from 'connectycube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.ts';

// The package's types are CommonJS-shaped for TypeScript; Node loads its ESM build, whose default export is the SDK.
type Client = (typeof connectycubeModule)['default'];
const ConnectyCube = connectycubeModule as unknown as Client;

describe('the connectycube SDK (Node build) against the sandbox', () => {
  let sandbox: Sandbox;
  const clients: Client[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ appId: 77, authKey: 'node-key', janus: 'off' });
  });
  afterAll(async () => {
    for (const client of clients) client.chat.disconnect();
    await sandbox.close();
  });

  /** One SDK instance per user, as a gateway representing several users would have. */
  async function loggedIn(
    login: string,
    password: string,
  ): Promise<{ client: Client; userId: number; token: string }> {
    const client = new ConnectyCube.ConnectyCube() as Client;
    client.init(sandbox.credentials, sandbox.sdkConfig() as Parameters<Client['init']>[1]);
    clients.push(client);
    const session = await client.createSession({ login, password });
    await client.chat.connect({ userId: session.user_id, password: session.token });
    return { client, userId: session.user_id, token: session.token };
  }

  it('logs in, reads users, exchanges chat messages and call signals between two instances', async () => {
    const alice = await loggedIn('alice', 'alice-password');
    const bob = await loggedIn('bob', 'bob-password');
    expect(alice.client.chat.isConnected).toBe(true);

    const found = await alice.client.users.getV2({ login: 'bob' } as never);
    expect(found.items.map((u) => u.id)).toEqual([bob.userId]);
    const online = await alice.client.users.listOnline();
    expect(online.users.map((u) => u.id).sort()).toEqual([alice.userId, bob.userId].sort());

    const received = new Promise<{ from: number; body: string | undefined }>((resolve) => {
      bob.client.chat.onMessageListener = (from, message) =>
        resolve({ from: Number(from), body: message.body ?? undefined });
    });
    alice.client.chat.send(bob.userId, { type: 'chat', body: 'hello from node' } as never);
    expect(await received).toEqual({ from: alice.userId, body: 'hello from node' });

    const signal = new Promise<{ from: number; extension: Record<string, unknown> }>((resolve) => {
      bob.client.chat.webrtcSignalingProcessor = {
        onMessage: (from: number, extension: Record<string, unknown>) => {
          // 6.1.2 calls the processor a second time with the raw element, which has no signalType.
          if (extension.signalType) resolve({ from, extension });
        },
      } as never;
    });
    alice.client.chat.sendWebRTCSignalingMessage(bob.userId, {
      extension: {
        moduleIdentifier: 'WebRTCVideoChat',
        signalType: 'call',
        sessionID: 'node-session-1',
        callType: 2,
        callerID: alice.userId,
        opponentsIDs: [bob.userId],
        sdp: 'v=0\r\ns=-\r\n',
        platform: 'node',
        userInfo: { name: 'Alice' },
      },
    } as never);
    const { from, extension } = await signal;
    expect(from).toBe(alice.userId);
    expect(extension).toMatchObject({
      signalType: 'call',
      sessionID: 'node-session-1',
      callerID: alice.userId,
      opponentsIDs: [bob.userId],
      sdp: 'v=0\r\ns=-\r\n',
      userInfo: { name: 'Alice' },
    });
  });

  it('calls the session-expired hook when the token is no longer valid', async () => {
    const client = new ConnectyCube.ConnectyCube() as Client;
    let expiredCalls = 0;
    client.init(sandbox.credentials, {
      ...(sandbox.sdkConfig() as object),
      on: {
        sessionExpired: () => {
          expiredCalls += 1;
        },
      },
    } as Parameters<Client['init']>[1]);
    clients.push(client);
    await client.createSession({ login: 'carol', password: 'carol-password' });
    await client.destroySession().catch(() => undefined);
    // Use a token the server has forgotten.
    client.setSession({ token: 'f'.repeat(40) } as never);
    const pending = client.users.get(1001 as never).catch(() => undefined);
    await expect.poll(() => expiredCalls, { timeout: 10_000 }).toBe(1);
    void pending;
  });

  it('rejects chat.connect with not-authorized for a wrong password', async () => {
    const client = new ConnectyCube.ConnectyCube() as Client;
    client.init(sandbox.credentials, sandbox.sdkConfig() as Parameters<Client['init']>[1]);
    clients.push(client);
    const carol = sandbox.users.find((u) => u.login === 'carol');
    await expect(client.chat.connect({ userId: carol?.id ?? 0, password: 'wrong' })).rejects.toBe(
      'not-authorized',
    );
  });
});
