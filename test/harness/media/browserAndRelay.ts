// What each browser relay test file starts once: headless Chromium with the tone page, and a werift relay on
// 127.0.0.1 with the file's own RTP port range (files run in parallel). Both are stopped after the file.
import { afterAll, beforeAll } from 'vitest';
import { type WeriftRelay, weriftRelay } from '../../../adapters/media-werift/src/index.ts';
import { MediaBrowser } from './Browser.ts';

export interface BrowserAndRelay {
  readonly browser: MediaBrowser;
  readonly relay: WeriftRelay;
}

/** Registers the `beforeAll`/`afterAll` hooks in the calling `describe`; the parts are there once it has started. */
export function useBrowserAndRelay(rtpPorts: [number, number]): BrowserAndRelay {
  let browser: MediaBrowser | undefined;
  let relay: WeriftRelay | undefined;
  beforeAll(async () => {
    browser = await MediaBrowser.launch();
    relay = weriftRelay({ bindAddress: '127.0.0.1', rtpPorts });
  });
  afterAll(async () => {
    await relay?.stop();
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('the browser is launched in beforeAll');
      return browser;
    },
    get relay() {
      if (!relay) throw new Error('the relay is started in beforeAll');
      return relay;
    },
  };
}
