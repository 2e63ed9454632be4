// The web softphone example, used through its UI as a person would: two people log in, see each other online, make a
// video call, answer, send DTMF, mute, read call quality, hang up. The page is really served by the sandbox from
// 127.0.0.1 (Chromium's local-network checks stay on). Set CUBEBRIDGE_SCREENSHOT_DIR to keep screenshots.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../harness/browser/index.ts';

const softphoneDir = fileURLToPath(new URL('../../examples/web-softphone/', import.meta.url));
const screenshotDir = process.env.CUBEBRIDGE_SCREENSHOT_DIR;

describe('web softphone example', { timeout: 90_000 }, () => {
  let sandbox: Sandbox;
  const browsers: Browser[] = [];
  let alice: Page;
  let bob: Page;

  beforeAll(async () => {
    sandbox = await startSandbox({ janus: 'off', staticDir: softphoneDir });
    for (let i = 0; i < 2; i++) browsers.push(await launchChromium({ localNetworkAccessChecks: true }));
    const open = async (browser: Browser): Promise<Page> => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
      await page.goto(sandbox.softphoneUrl ?? '');
      return page;
    };
    alice = await open(browsers[0] as Browser);
    bob = await open(browsers[1] as Browser);
  });

  afterAll(async () => {
    await Promise.all(browsers.map((browser) => browser.close()));
    await sandbox?.close();
  });

  async function logIn(page: Page, login: string, password: string): Promise<void> {
    await page.locator('#server-label', { hasText: 'local sandbox' }).waitFor();
    await page.getByLabel('Login').fill(login);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#users-panel').waitFor({ state: 'visible' });
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    if (!screenshotDir) return;
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, name) });
  }

  it('refuses a wrong password with a readable message', async () => {
    await alice.locator('#server-label', { hasText: 'local sandbox' }).waitFor();
    await alice.getByLabel('Login').fill('alice');
    await alice.getByLabel('Password', { exact: true }).fill('wrong');
    await alice.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => alice.locator('#login-error').textContent()).toBe('Wrong login or password.');
  });

  it('logs two people in, and each sees the other online', async () => {
    await logIn(alice, 'alice', 'alice-password');
    await logIn(bob, 'bob', 'bob-password');
    await alice.locator('#online-users li', { hasText: 'Bob' }).waitFor({ timeout: 15_000 });
    await bob.locator('#online-users li', { hasText: 'Alice' }).waitFor({ timeout: 15_000 });
    // This sandbox runs without Janus: the page says so instead of offering a room that cannot work.
    expect(await alice.locator('#room-join').isDisabled()).toBe(true);
    expect(await alice.locator('#room-hint').textContent()).toContain('Conferences are off');
    await screenshot(alice, 'web-softphone-online.png');
  });

  it('places a video call that is answered, carries DTMF and shows call quality, then hangs up', async () => {
    await alice
      .locator('#online-users li', { hasText: 'Bob' })
      .getByRole('button', { name: 'Video' })
      .click();
    await bob.locator('#incoming-panel').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await bob.locator('#incoming-from').textContent()).toBe('Alice');
    await screenshot(bob, 'web-softphone-incoming.png');
    await bob.getByRole('button', { name: 'Answer' }).click();

    // Call quality comes from getStats: a codec and a packet count appear once media flows.
    await expect.poll(() => alice.locator('#stat-codec').textContent(), { timeout: 30_000 }).toMatch(/opus/i);
    await expect
      .poll(() => alice.locator('#stat-video').textContent(), { timeout: 30_000 })
      .toMatch(/\d+×\d+/);
    await expect
      .poll(() => bob.locator('#stat-ice').textContent(), { timeout: 30_000 })
      .toMatch(/connected|completed/);

    await alice.locator('#keypad').getByRole('button', { name: '5', exact: true }).click();
    await alice.locator('#keypad').getByRole('button', { name: '#', exact: true }).click();
    await expect
      .poll(() => bob.locator('#dtmf-received').textContent(), { timeout: 15_000 })
      .toBe('received: 5#');

    await alice.getByRole('button', { name: 'Mute' }).click();
    expect(await alice.locator('#mute').getAttribute('aria-pressed')).toBe('true');
    // Mute disables the local audio track the SDK holds.
    expect(
      await alice.evaluate(() =>
        (document.getElementById('local-video') as HTMLVideoElement).srcObject instanceof MediaStream
          ? ((document.getElementById('local-video') as HTMLVideoElement).srcObject as MediaStream)
              .getAudioTracks()
              .every((track) => !track.enabled)
          : false,
      ),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // let the stats table fill for the picture
    await screenshot(alice, 'web-softphone.png');

    await bob.getByRole('button', { name: 'Hang up' }).click();
    await alice.locator('#call-panel').waitFor({ state: 'hidden', timeout: 30_000 });
    expect(await alice.locator('#log').textContent()).toContain('Bob hung up');
  });

  it('lets the callee reject, and tells the caller', async () => {
    await bob.locator('#online-users li', { hasText: 'Alice' }).getByRole('button', { name: 'Call' }).click();
    await alice.locator('#incoming-panel').waitFor({ state: 'visible', timeout: 30_000 });
    await alice.getByRole('button', { name: 'Reject' }).click();
    await expect
      .poll(() => bob.locator('#log').textContent(), { timeout: 30_000 })
      .toContain('Alice rejected the call');
    expect(await bob.locator('#call-panel').isHidden()).toBe(true);
  });
});
