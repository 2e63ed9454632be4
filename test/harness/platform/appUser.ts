// An app user for adapter tests: the SDK page on the sandbox, logged in as one of its seeded users, closed after the test.
import type { Browser } from 'playwright-core';
import { SdkPage, type SdkTarget } from '../browser/sdkPage.ts';
import type { Cleanups } from './Cleanups.ts';

export async function openAppUser(
  browser: Browser,
  sandbox: SdkTarget,
  cleanups: Cleanups,
  login: 'alice' | 'bob' = 'alice',
): Promise<SdkPage> {
  const page = cleanups.closes(await SdkPage.open(browser, sandbox));
  await page.login(login, `${login}-password`);
  return page;
}
