// The adapter inside a real Gateway: loaded by package name from the config's `connectycube` section (the default
// export), started by the gateway, its calls routed by the route hook. An app's call that the dial plan refuses
// is rejected to the app with the plan's reason, and the gateway's events tell the story.
import type { Sandbox } from '@cubebridge/connectycube-sandbox';
import { startSandbox } from '@cubebridge/connectycube-sandbox';
import { createGateway, type Gateway, type GatewayEvent } from '@cubebridge/core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weriftRelay } from '../../adapters/media-werift/src/index.ts';
import { launchChromium, SdkPage } from '../harness/browser/index.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';

let sandbox: Sandbox;
let browser: Browser;
let gateway: Gateway;
const events: GatewayEvent[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ janus: 'off' });
  browser = await launchChromium();
  gateway = await createGateway({
    config: {
      http: { enabled: false },
      sandbox: { enabled: 'off' },
      connectycube: {
        adapter: '@cubebridge/connectycube',
        appId: sandbox.credentials.appId,
        authKey: sandbox.credentials.authKey,
        identity: 'gateway',
        user: { login: 'carol', password: 'carol-password' },
        endpoints: { api: sandbox.apiEndpoint, chat: sandbox.chatEndpoint },
      },
    },
    media: weriftRelay({ bindAddress: '127.0.0.1', rtpPorts: [51000, 51999] }),
    projectDir: new URL('..', import.meta.url).pathname,
    logger: silentLogger,
  });
  gateway.events$.subscribe((event) => events.push(event));
  gateway.hooks.route.register(
    (request) =>
      request.attributes.to === 'sip:busy@pbx'
        ? { refuse: { reason: 'busy', detail: 'the desk is busy' } }
        : undefined,
    { name: 'test-dial-plan' },
  );
  await gateway.start();
});

afterAll(async () => {
  await gateway?.stop({ drainTimeoutMs: 0 });
  await browser?.close();
  await sandbox?.close();
});

async function appCalls(to: string): Promise<SdkPage> {
  const page = await SdkPage.open(browser, sandbox);
  await page.login('alice', 'alice-password');
  const gatewayId = sandbox.users.find((user) => user.login === 'carol')?.id as number;
  await page.page.evaluate(
    async ([id, target]) => {
      const videochat = (window as unknown as { ConnectyCube: { videochat: VideoChat } }).ConnectyCube
        .videochat;
      const session = videochat.createNewSession([id], 2);
      await session.getUserMedia({ audio: true, video: false });
      session.call({ to: target });
    },
    [gatewayId, to] as const,
  );
  return page;
}

interface VideoChat {
  createNewSession(
    opponents: number[],
    callType: number,
  ): {
    getUserMedia(c: { audio: boolean; video: boolean }): Promise<unknown>;
    call(info: Record<string, string>): void;
  };
}

describe('the ConnectyCube adapter in a gateway', () => {
  it('is started by the gateway and announces its identity', () => {
    const carol = sandbox.users.find((user) => user.login === 'carol')?.id;
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'platform.connected', identity: `connectycube:${carol}` }),
    );
  });

  it('an app call refused by the dial plan is rejected to the app with its reason', async () => {
    const page = await appCalls('sip:busy@pbx');
    try {
      const carol = sandbox.users.find((user) => user.login === 'carol')?.id as number;
      const reject = await page.waitForEvent('reject', carol);
      expect(reject.userInfo).toMatchObject({ reason: 'busy', busy: 'true' });
      const created = events.find((e) => e.type === 'call.created');
      expect(created).toMatchObject({
        direction: 'platform-to-sip',
        from: { uri: `connectycube:${page.userId}` },
      });
      await expect.poll(() => events.find((e) => e.type === 'call.ended')).toMatchObject({ reason: 'busy' });
    } finally {
      await page.close();
    }
  });

  it('an app call no rule matches is refused as not-found', async () => {
    const page = await appCalls('sip:nobody@pbx');
    try {
      const carol = sandbox.users.find((user) => user.login === 'carol')?.id as number;
      const reject = await page.waitForEvent('reject', carol);
      expect(reject.userInfo).toMatchObject({ reason: 'not-found' });
    } finally {
      await page.close();
    }
  });
});
