// Session expiry: the adapter's REST session runs out (the sandbox is started with a 3 s lifetime). Chat, which
// logs in with the password, reconnects regardless, and a REST call made after expiry gets a new session.
import type { GatewayEvent } from '@cubebridge/core';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SdkPage } from '../../../test/harness/browser/index.ts';
import { type RecordingContext, recordingContext } from '../../../test/harness/platform/adapterContext.ts';
import { recordedEvent } from '../../../test/harness/platform/recordedEvent.ts';
import { sandboxConnection } from '../../../test/harness/platform/sandboxConnection.ts';
import { TcpDropProxy } from '../../../test/harness/platform/TcpDropProxy.ts';
import { type ConnectyCubePlatform, connectycube } from '../src/index.ts';

const sessionTtlSeconds = 3;
let sandbox: Sandbox;
let browser: Browser;
let proxy: TcpDropProxy;
let gateway: ConnectyCubePlatform;
let context: RecordingContext;
let startedAt: number;

beforeAll(async () => {
  sandbox = await startSandbox({ janus: 'off', sessionTtlSeconds });
  browser = await launchChromium();
  proxy = await TcpDropProxy.inFrontOf(sandbox.chatEndpoint);
  context = recordingContext();
  gateway = connectycube({
    ...sandboxConnection(sandbox, proxy.url(sandbox.chatEndpoint)),
    identities: { mode: 'gateway', user: { login: 'carol', password: 'carol-password' } },
    reconnectDelayMs: 300,
  }) as ConnectyCubePlatform;
  startedAt = Date.now();
  await gateway.start(context);
});

afterAll(async () => {
  await gateway?.stop();
  await proxy?.close();
  await browser?.close();
  await sandbox?.close();
});

const untilEvent = (type: GatewayEvent['type'], from: number) => recordedEvent(context, type, from);

describe('REST session expiry', () => {
  it('after expiry, chat reconnects and a refusal through /calls/reject still reaches the app', async () => {
    const gatewayId = gateway.identities[0]?.userId as number;
    // Let the adapter's session expire: this waits for a state, it measures nothing.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, startedAt + sessionTtlSeconds * 1000 + 500 - Date.now())),
    );
    const page = await SdkPage.open(browser, sandbox);
    try {
      await page.login('alice', 'alice-password');
      const mark = context.events.length;
      proxy.drop();
      await untilEvent('platform.disconnected', mark);
      await untilEvent('platform.connected', mark);

      const incoming = firstValueFrom(gateway.incoming$);
      await page.call(gatewayId, 'audio');
      const call = await incoming;
      const down = context.events.length;
      proxy.drop({ stayDown: true });
      await untilEvent('platform.disconnected', down);
      await call.reject('declined');
      const reject = await page.waitForEvent('reject', gatewayId);
      expect(reject.userInfo).toMatchObject({ reason: 'declined' });
      expect(context.logLines.some((line) => line.includes('REST session expired'))).toBe(true);
    } finally {
      proxy.restore();
      await page.close();
    }
  });
});
