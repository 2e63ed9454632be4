// A browser page running the unmodified ConnectyCube SDK against a server (the sandbox, or anything serving `/vendor/`),
// driven from Node: log in, call, answer, hang up, wait for SDK events, listen for tones.
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** What a page needs to know about the server it talks to: `Sandbox` fits as is. */
export interface SdkTarget {
  /** Origin the page is served from; it must also serve `/vendor/connectycube.min.js` and `/vendor/adapter.js`. */
  readonly apiEndpoint: string;
  readonly credentials: { readonly appId: number; readonly authKey: string };
  sdkConfig(): unknown;
}

/** Where received audio is measured: a 1:1 call or a conference. */
export type ToneSource = 'call' | 'conference';

/** One SDK call or conference event as the page recorded it. */
export interface SdkEvent {
  readonly type:
    | 'call'
    | 'accept'
    | 'reject'
    | 'stop'
    | 'no-answer'
    | 'close'
    | 'connection-state'
    | 'remote-stream'
    | 'participant-joined'
    | 'participant-left'
    | 'conference-error'
    | 'conference-stream'
    | 'system';
  readonly sessionId: string | null;
  readonly userId: number | null;
  readonly userInfo?: Record<string, unknown>;
  /** A system message's extension (DTMF from a gateway: `{ type: 'dtmf', sessionID, digits, durationMs }`). */
  readonly extension?: Record<string, string>;
  readonly state?: number;
  readonly error?: string;
  readonly at: number;
}

export interface SdkPageOptions {
  /** Overrides merged into `sdkConfig()`, e.g. `{ videochat: { answerTimeInterval: 10 } }` (shallow per section). */
  readonly configOverrides?: Record<string, Record<string, unknown>>;
}

const harnessPath = '/__harness/';
const harnessScript = new URL('./page/sdk-harness.js', import.meta.url);
const harnessHtml = `<!doctype html><meta charset="utf-8"><title>sdk harness</title>
<script src="/vendor/adapter.js"></script><script src="/vendor/connectycube.min.js"></script>
<script src="${harnessPath}sdk-harness.js"></script>`;

export class SdkPage {
  readonly page: Page;
  readonly #context: BrowserContext;
  #userId: number | undefined;

  private constructor(context: BrowserContext, page: Page) {
    this.#context = context;
    this.page = page;
  }

  /**
   * Opens a page in its own browser context (its own storage, like a separate user) on the target's origin — a secure
   * context, so `ConnectyCube.videochat` exists — and initialises the SDK with the target's credentials and config.
   */
  static async open(browser: Browser, target: SdkTarget, options: SdkPageOptions = {}): Promise<SdkPage> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const script = await readFile(harnessScript, 'utf8');
    // The harness page is answered by the browser itself, on the target's origin, so the server needs no test routes.
    await page.route(`${target.apiEndpoint}${harnessPath}**`, (route) => {
      const isScript = route.request().url().endsWith('.js');
      return route.fulfill({
        contentType: isScript ? 'text/javascript' : 'text/html',
        body: isScript ? script : harnessHtml,
      });
    });
    await page.goto(`${target.apiEndpoint}${harnessPath}sdk.html`);
    const config = mergeSections(
      target.sdkConfig() as Record<string, unknown>,
      options.configOverrides ?? {},
    );
    const credentials = { appId: target.credentials.appId, authKey: target.credentials.authKey };
    await page.evaluate(([c, k]) => window.sdkHarness.init(c, k), [credentials, config] as const);
    return new SdkPage(context, page);
  }

  get userId(): number {
    if (this.#userId === undefined) throw new Error('not logged in');
    return this.#userId;
  }

  async login(login: string, password: string): Promise<{ userId: number; token: string }> {
    const result = await this.page.evaluate(([l, p]) => window.sdkHarness.login(l, p), [
      login,
      password,
    ] as const);
    this.#userId = result.userId;
    return result;
  }

  /**
   * Starts a call to `opponentId` (with `userInfo`, e.g. `{ to: 'sip:1001@pbx' }` for a gateway identity);
   * resolves with the SDK's session id once the first `call` signal is sent.
   */
  call(
    opponentId: number,
    kind: 'audio' | 'video' = 'audio',
    userInfo?: Record<string, string>,
  ): Promise<string> {
    return this.page.evaluate(([id, k, info]) => window.sdkHarness.call(id, k, info), [
      opponentId,
      kind,
      userInfo,
    ] as const);
  }

  /** Sends a system message; resolves with the current call's session id (DTMF messages name it). */
  sendSystemMessage(userId: number, extension: Record<string, string>): Promise<string | null> {
    return this.page.evaluate(([id, ext]) => window.sdkHarness.sendSystemMessage(id, ext), [
      userId,
      extension,
    ] as const);
  }

  accept(): Promise<void> {
    return this.page.evaluate(() => window.sdkHarness.accept());
  }

  reject(userInfo?: Record<string, string>): Promise<void> {
    return this.page.evaluate((info) => window.sdkHarness.reject(info), userInfo);
  }

  hangUp(userInfo?: Record<string, string>): Promise<void> {
    return this.page.evaluate((info) => window.sdkHarness.hangUp(info), userInfo);
  }

  sendChat(userId: number, body: string): Promise<string> {
    return this.page.evaluate(([id, b]) => window.sdkHarness.sendChat(id, b), [userId, body] as const);
  }

  events(): Promise<SdkEvent[]> {
    return this.page.evaluate(() => window.sdkHarness.events);
  }

  chat(): Promise<{ userId: number; body: string }[]> {
    return this.page.evaluate(() => window.sdkHarness.chat);
  }

  /** Waits until the page has recorded an event of `type` (from `userId`, if given) and returns it. */
  async waitForEvent(type: SdkEvent['type'], userId?: number, timeoutMs = 30_000): Promise<SdkEvent> {
    const handle = await this.page.waitForFunction(
      ([t, u]) => window.sdkHarness.events.find((e) => e.type === t && (u === undefined || e.userId === u)),
      [type, userId] as const,
      { timeout: timeoutMs, polling: 100 },
    );
    return (await handle.jsonValue()) as SdkEvent;
  }

  /** Waits until the page has recorded an event of `type` in the call `sessionId` and returns it. */
  async waitForSessionEvent(
    type: SdkEvent['type'],
    sessionId: string,
    { timeoutMs = 30_000, polling = 100 } = {},
  ): Promise<SdkEvent> {
    const handle = await this.page.waitForFunction(
      ([t, id]) => window.sdkHarness.events.find((e) => e.type === t && e.sessionId === id),
      [type, sessionId] as const,
      { timeout: timeoutMs, polling },
    );
    return (await handle.jsonValue()) as SdkEvent;
  }

  /**
   * Waits until the tone `frequency` reaches `minLevelDb` (dBFS, analyser scale) in the audio received from `userId`,
   * and returns the level. A sine at half scale measures about -20 dB; silence and other tones stay below -80 dB.
   */
  async waitForTone(
    userId: number,
    frequency: number,
    { minLevelDb = -50, timeoutMs = 30_000, source = 'call' as ToneSource } = {},
  ): Promise<number> {
    const handle = await this.page.waitForFunction(
      ([u, f, m, s]) => {
        const level = window.sdkHarness.toneLevel(u, f, s);
        return level >= m ? level : false;
      },
      [userId, frequency, minLevelDb, source] as const,
      { timeout: timeoutMs, polling: 200 },
    );
    return (await handle.jsonValue()) as number;
  }

  toneLevel(userId: number, frequency: number, source: ToneSource = 'call'): Promise<number> {
    return this.page.evaluate(([u, f, s]) => window.sdkHarness.toneLevel(u, f, s), [
      userId,
      frequency,
      source,
    ] as const);
  }

  /** Joins a conference room with the microphone (the SDK's `videochatconference`, through `conference.server`). */
  joinConference(roomId: string, displayName: string): Promise<void> {
    return this.page.evaluate(([r, u, n]) => window.sdkHarness.joinConference(r, u, n), [
      roomId,
      this.userId,
      displayName,
    ] as const);
  }

  leaveConference(): Promise<void> {
    return this.page.evaluate(() => window.sdkHarness.leaveConference());
  }

  close(): Promise<void> {
    return this.#context.close();
  }
}

function mergeSections(
  base: Record<string, unknown>,
  overrides: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [section, values] of Object.entries(overrides)) {
    merged[section] = { ...(base[section] as Record<string, unknown> | undefined), ...values };
  }
  return merged;
}

/** The in-page API of `page/sdk-harness.js`, for typed `evaluate` calls. */
interface SdkHarness {
  readonly events: SdkEvent[];
  readonly chat: { userId: number; body: string }[];
  init(credentials: unknown, config: unknown): boolean;
  login(login: string, password: string): Promise<{ userId: number; token: string }>;
  call(opponentId: number, kind: 'audio' | 'video', userInfo?: Record<string, string>): Promise<string>;
  sendSystemMessage(userId: number, extension: Record<string, string>): string | null;
  accept(): Promise<void>;
  reject(userInfo?: Record<string, string>): void;
  hangUp(userInfo?: Record<string, string>): void;
  sendChat(userId: number, body: string): string;
  toneLevel(userId: number, frequency: number, source: ToneSource): number;
  joinConference(roomId: string, userId: number, displayName: string): Promise<void>;
  leaveConference(): Promise<void>;
}

declare global {
  interface Window {
    sdkHarness: SdkHarness;
  }
  /** The SDK's browser build (UMD global), for `page.evaluate` callbacks that use it directly. */
  const ConnectyCube: typeof import('connectycube')['default'];
}
