// Launches headless Chromium the way every browser test here needs it: fake media devices, loopback ICE, no network chatter.
// Run it only inside a private network namespace (`pnpm test` does that): Chromium binds every interface.
import { type Browser, chromium } from 'playwright-core';

export interface ChromiumOptions {
  /** A WAV file the fake microphone plays in a loop (see `writeToneWav`); default: Chromium's own beep. */
  readonly fakeAudioFile?: string;
  readonly extraArgs?: readonly string[];
  /**
   * Chromium 14x+ blocks requests from a "public" page to loopback (Local Network Access). A page fulfilled by
   * Playwright (the SDK harness page) has no address, so its WebSocket to 127.0.0.1 is blocked unless the check is
   * off. Pages really served from 127.0.0.1 (the softphone) pass with the check on.
   */
  readonly localNetworkAccessChecks?: boolean;
}

export const chromiumExecutable = process.env.CUBEBRIDGE_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumArgs(options: ChromiumOptions = {}): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    // In a namespace with only `lo`, WebRTC gathers no candidates unless loopback is allowed.
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
    ...(options.localNetworkAccessChecks ? [] : ['--disable-features=LocalNetworkAccessChecks']),
    ...(options.fakeAudioFile ? [`--use-file-for-fake-audio-capture=${options.fakeAudioFile}`] : []),
    ...(options.extraArgs ?? []),
  ];
}

/** A fresh headless Chromium with its own temporary profile (Playwright creates and deletes it). */
export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable, headless: true, args: chromiumArgs(options) });
}
