// The web softphone's conference room through its UI: two people join the same room name through the sandbox's Janus
// proxy, see each other listed, and receive each other's audio; one leaves and disappears from the other's list.
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNonLoopbackInterface, launchChromium } from '../harness/browser/index.ts';

const softphoneDir = fileURLToPath(new URL('../../examples/web-softphone/', import.meta.url));
const screenshotDir = process.env.CUBEBRIDGE_SCREENSHOT_DIR;
const janusInstalled = await access('/usr/bin/janus').then(
  () => true,
  () => false,
);
const inPrivateNetns = process.env.CUBEBRIDGE_IN_NETNS === '1';

describe.skipIf(!janusInstalled || !inPrivateNetns)(
  'web softphone conference room (needs janus and `pnpm test`)',
  { timeout: 90_000 },
  () => {
    let sandbox: Sandbox;
    const browsers: Browser[] = [];
    const pages: Page[] = [];

    beforeAll(async () => {
      const veth = await ensureNonLoopbackInterface();
      sandbox = await startSandbox({
        janus: 'auto',
        janusIceInterfaces: veth?.name,
        staticDir: softphoneDir,
      });
      for (const [login, password] of [
        ['alice', 'alice-password'],
        ['bob', 'bob-password'],
      ] as const) {
        const browser = await launchChromium({ localNetworkAccessChecks: true });
        browsers.push(browser);
        const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
        await page.goto(sandbox.softphoneUrl ?? '');
        await page.locator('#server-label', { hasText: 'local sandbox' }).waitFor();
        await page.getByLabel('Login').fill(login);
        await page.getByLabel('Password', { exact: true }).fill(password);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.locator('#room-panel').waitFor({ state: 'visible' });
        pages.push(page);
      }
    }, 90_000);

    afterAll(async () => {
      await Promise.all(browsers.map((browser) => browser.close()));
      await sandbox?.close();
    });

    it("two people join the same room, see each other, receive each other's audio, and a leave is seen", async () => {
      const [alice, bob] = pages as [Page, Page];
      for (const page of pages) {
        await page.getByLabel('Room').fill('design review');
        await page.getByRole('button', { name: 'Join' }).click();
        await page.locator('#room-leave').waitFor({ state: 'visible', timeout: 30_000 });
      }
      await alice.locator('#room-participants li', { hasText: 'bob' }).waitFor({ timeout: 30_000 });
      await bob.locator('#room-participants li', { hasText: 'alice' }).waitFor({ timeout: 30_000 });
      // Each page plays the other's microphone: a live remote audio track that is unmuted, i.e. RTP is arriving.
      for (const page of pages) {
        await expect
          .poll(
            () =>
              page.evaluate(() =>
                Array.from(document.querySelectorAll<HTMLAudioElement>('#room-audio audio')).some((audio) =>
                  (audio.srcObject as MediaStream | null)
                    ?.getAudioTracks()
                    .some((track) => track.readyState === 'live' && !track.muted),
                ),
              ),
            { timeout: 30_000 },
          )
          .toBe(true);
      }
      // The online list refreshes every 3 s; wait for it so the picture shows the whole page settled.
      await alice.locator('#online-users li', { hasText: 'Bob' }).waitFor({ timeout: 15_000 });
      if (screenshotDir) await alice.screenshot({ path: `${screenshotDir}/web-softphone-room.png` });

      await bob.getByRole('button', { name: 'Leave' }).click();
      await alice
        .locator('#room-participants li', { hasText: 'bob' })
        .waitFor({ state: 'detached', timeout: 30_000 });
      expect(await alice.locator('#log').textContent()).toContain('left the room');
    });
  },
);
