// A conference through the sandbox's proxy and a stock Janus 1.1.2: three Chromium pages (unmodified SDK) join the
// room named by a meeting's `_id`, and each hears the other two (every microphone plays its own tone).
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureNonLoopbackInterface,
  launchChromium,
  type NonLoopbackInterface,
  SdkPage,
  writeToneWav,
} from '../harness/browser/index.ts';

const janusInstalled = await access('/usr/bin/janus').then(
  () => true,
  () => false,
);
const inPrivateNetns = process.env.CUBEBRIDGE_IN_NETNS === '1';
const people = [
  { login: 'alice', password: 'alice-password', tone: 500 },
  { login: 'bob', password: 'bob-password', tone: 900 },
  { login: 'carol', password: 'carol-password', tone: 1300 },
] as const;

describe.skipIf(!janusInstalled || !inPrivateNetns)(
  'conference through the Janus proxy (needs janus and `pnpm test`)',
  () => {
    let sandbox: Sandbox;
    let workDir: string;
    let veth: NonLoopbackInterface | undefined;
    const browsers: Browser[] = [];
    const pages: SdkPage[] = [];

    beforeAll(async () => {
      workDir = await mkdtemp(join(tmpdir(), 'cubebridge-conference-'));
      veth = await ensureNonLoopbackInterface();
      sandbox = await startSandbox({ janus: 'auto', janusIceInterfaces: veth?.name });
      for (const person of people) {
        const browser = await launchChromium({
          fakeAudioFile: await writeToneWav(join(workDir, `${person.login}.wav`), person.tone),
        });
        browsers.push(browser);
        const page = await SdkPage.open(browser, sandbox);
        await page.login(person.login, person.password);
        pages.push(page);
      }
    }, 120_000);

    afterAll(async () => {
      await Promise.all(browsers.map((browser) => browser.close()));
      await sandbox?.close();
      if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    it('has conferences on, at the proxy path', () => {
      expect(sandbox.conferenceEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/janus$/);
      expect(sandbox.adminState().conferences).toBe('on');
    });

    it('three pages join a meeting room and each hears the other two', async () => {
      const [host] = pages as [SdkPage];
      // The room is a meeting's `_id`, a hex string: the proxy maps it to an integer and creates the room on first join.
      const meeting = await host.page.evaluate(() => ConnectyCube.meeting.create({ name: 'e2e' }));
      const roomId = String((meeting as { _id: string })._id);
      for (const [index, page] of pages.entries()) {
        await page.joinConference(roomId, people[index]?.login ?? '');
      }
      for (const [index, page] of pages.entries()) {
        for (const [otherIndex, other] of pages.entries()) {
          if (otherIndex === index) continue;
          const tone = people[otherIndex]?.tone ?? 0;
          const level = await page.waitForTone(other.userId, tone, {
            source: 'conference',
            timeoutMs: 45_000,
          });
          expect(level).toBeGreaterThan(-50);
        }
      }
      const errors = (await Promise.all(pages.map((page) => page.events())))
        .flat()
        .filter((e) => e.type === 'conference-error');
      expect(errors).toEqual([]);

      await pages[2]?.leaveConference();
      await host.waitForEvent('participant-left', pages[2]?.userId, 30_000);
    }, 120_000);
  },
);
