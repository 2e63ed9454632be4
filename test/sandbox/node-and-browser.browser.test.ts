// The SDK's Node build and its browser build, both unmodified, meet in the sandbox: chat messages both ways, and call
// signalling across (the browser calls the Node user, Node answers with a `reject` signal the browser SDK understands).
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import connectycubeModule from 'connectycube';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SdkPage } from '../harness/browser/index.ts';

// The package's types are CommonJS-shaped for TypeScript; Node loads its ESM build, whose default export is the SDK.
type Sdk = (typeof connectycubeModule)['default'];
const ConnectyCube = connectycubeModule as unknown as Sdk;

describe('Node SDK and browser SDK through the sandbox', { timeout: 90_000 }, () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: SdkPage;
  let node: Sdk;
  let nodeUserId: number;

  beforeAll(async () => {
    sandbox = await startSandbox({ janus: 'off' });
    browser = await launchChromium();
    page = await SdkPage.open(browser, sandbox);
    await page.login('alice', 'alice-password');
    node = new ConnectyCube.ConnectyCube() as Sdk;
    node.init(sandbox.credentials, sandbox.sdkConfig() as Parameters<Sdk['init']>[1]);
    const session = await node.createSession({ login: 'bob', password: 'bob-password' });
    nodeUserId = session.user_id;
    await node.chat.connect({ userId: nodeUserId, password: session.token });
  });

  afterAll(async () => {
    node?.chat.disconnect();
    await browser?.close();
    await sandbox?.close();
  });

  it('exchanges chat messages both ways', async () => {
    const fromBrowser = new Promise<{ from: number; body: string | null | undefined }>((resolve) => {
      node.chat.onMessageListener = (from, message) => resolve({ from: Number(from), body: message.body });
    });
    await page.sendChat(nodeUserId, 'hello node');
    expect(await fromBrowser).toEqual({ from: page.userId, body: 'hello node' });

    node.chat.send(page.userId, { type: 'chat', body: 'hello browser' } as never);
    await expect
      .poll(async () => (await page.chat()).map((m) => m.body), { timeout: 15_000 })
      .toContain('hello browser');
    expect((await page.chat()).find((m) => m.body === 'hello browser')?.userId).toBe(nodeUserId);
  });

  it('carries a browser call to Node, and a reject signal from Node back to the browser SDK', async () => {
    const callSignal = new Promise<{ from: number; extension: Record<string, unknown> }>((resolve) => {
      node.chat.webrtcSignalingProcessor = {
        onMessage: (from: number, extension: Record<string, unknown>) => {
          if (extension.signalType === 'call') resolve({ from, extension });
        },
      } as never;
    });
    const sessionId = await page.call(nodeUserId, 'audio');
    const { from, extension } = await callSignal;
    expect(from).toBe(page.userId);
    expect(extension).toMatchObject({
      sessionID: sessionId,
      callType: 2,
      callerID: page.userId,
      opponentsIDs: [nodeUserId],
    });
    expect(String(extension.sdp)).toMatch(/^v=0\r\n[\s\S]*m=audio /);

    node.chat.sendWebRTCSignalingMessage(page.userId, {
      extension: {
        moduleIdentifier: 'WebRTCVideoChat',
        signalType: 'reject',
        sessionID: sessionId,
        callType: 2,
        callerID: page.userId,
        opponentsIDs: [nodeUserId],
        platform: 'node',
        userInfo: { reason: 'busy-in-node' },
      },
    } as never);
    const reject = await page.waitForEvent('reject', nodeUserId);
    expect(reject).toMatchObject({ sessionId, userInfo: { reason: 'busy-in-node' } });
  });
});
