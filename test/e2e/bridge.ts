// The whole bridge for end-to-end tests: a real Kamailio, the ConnectyCube sandbox, headless Chromium with
// the unmodified SDK, and a gateway assembled from the real adapters (SIP on sip.js, werift media, the
// ConnectyCube platform) with the routing plugin. Phones are baresip, registered to Kamailio.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connectycube } from '@cubebridge/connectycube';
import { type Sandbox, startSandbox } from '@cubebridge/connectycube-sandbox';
import {
  createGateway,
  createLogger,
  type Gateway,
  type GatewayEvent,
  type PluginEntry,
} from '@cubebridge/core';
import type { Browser } from 'playwright-core';
import { weriftRelay } from '../../adapters/media-werift/src/index.ts';
import { sipAdapter } from '../../adapters/sip/src/index.ts';
import { routing, type RoutingOptions } from '../../plugins/routing/src/index.ts';
import { launchChromium, SdkPage, writeToneWav } from '../harness/browser/index.ts';
import { type BaresipPhone, startBaresipPhone } from '../harness/sip/baresip.ts';
import { type Kamailio, startKamailio } from '../harness/sip/kamailio.ts';
import { waitFor } from '../harness/sip/processes.ts';

export const phoneTone = 440;
export const appTone = 700;

export interface Bridge {
  readonly kamailio: Kamailio;
  readonly sandbox: Sandbox;
  readonly browser: Browser;
  readonly gateway: Gateway;
  readonly events: GatewayEvent[];
  /** The ConnectyCube user the gateway is (gateway identity mode). */
  readonly gatewayUserId: number;
  readonly logs: () => string;
  /** A baresip phone registered to Kamailio as `name`. */
  phone(name: string, answer?: 'auto' | 'manual'): Promise<BaresipPhone>;
  /** With `trunk: true`: where the gateway's SIP trunk listens (`127.0.0.1:<port>`), for sipp to call directly. */
  readonly trunk: string | undefined;
  /** A page logged in to the sandbox as `login` (password `<login>-password`). */
  page(login: string): Promise<SdkPage>;
  close(): Promise<void>;
}

/** Routing rules for the gateway, written with the sandbox's user ids (`users.alice`). */
export type RulesFor = (users: Readonly<Record<string, string>>) => RoutingOptions['rules'];

export interface BridgeOptions {
  readonly rules?: RulesFor;
  /** Extensions the gateway registers at Kamailio (password `secret`); the first is the default account. */
  readonly extensions?: readonly string[];
  /**
   * `gateway` (default): the gateway is ConnectyCube user carol. `mirrored`: SIP phone bob has his own
   * ConnectyCube user dave (mapped `sip:bob@127.0.0.1` ⇄ dave), carol is the fallback identity.
   */
  readonly identity?: 'gateway' | 'mirrored';
  /** Plugins beside the routing plugin (recording, metrics, …), started after it. */
  readonly plugins?: readonly PluginEntry[];
  /** Serve the gateway's HTTP API on a free port of 127.0.0.1 (`gateway.http.url`); off by default. */
  readonly http?: boolean;
  /** Also listen as a SIP trunk on a free port of 127.0.0.1, taking calls from loopback (sipp scenarios). */
  readonly trunk?: boolean;
}

const sandboxUsers = ['alice', 'bob', 'carol', 'dave'].map((login) => ({
  login,
  password: `${login}-password`,
  fullName: login[0]!.toUpperCase() + login.slice(1),
}));

export async function startBridge(options: BridgeOptions = {}): Promise<Bridge> {
  const cleanups: Array<() => Promise<unknown>> = [];
  let logText = '';
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    // For debugging a failed run: CUBEBRIDGE_E2E_LOGS=<dir> keeps each bridge's gateway log.
    const logDir = process.env.CUBEBRIDGE_E2E_LOGS;
    if (logDir)
      await writeFile(join(logDir, `bridge-${options.identity ?? 'gateway'}-${process.pid}.log`), logText);
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), 'cb-e2e-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const kamailio = await startKamailio({ auth: true });
    cleanups.push(() => kamailio.close());
    const sandbox = await startSandbox({ janus: 'off', users: sandboxUsers });
    cleanups.push(() => sandbox.close());
    const browser = await launchChromium({
      fakeAudioFile: await writeToneWav(join(dir, 'app.wav'), appTone, 120),
    });
    cleanups.push(() => browser.close());

    const logger = createLogger({
      level: 'debug',
      format: 'json',
      destination: new Writable({
        write(chunk, _encoding, done) {
          logText += chunk;
          done();
        },
      }),
    });
    const { appId, authKey } = sandbox.credentials;
    const sip = sipAdapter({
      accounts: (options.extensions ?? ['gateway']).map((extension) => ({
        aor: `sip:${extension}@127.0.0.1`,
        registrar: `sip:127.0.0.1:${kamailio.udpPort}`,
        password: 'secret',
        transport: { kind: 'udp' as const },
      })),
      ...(options.trunk
        ? { trunk: { listen: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1/32'] } }
        : {}),
    });
    const userIds = Object.fromEntries(sandbox.users.map((user) => [user.login, String(user.id)]));
    const gateway = await createGateway({
      logger,
      config: {
        http: options.http ? { host: '127.0.0.1', port: 0 } : { enabled: false },
        drainTimeoutMs: 2_000,
        // Kamailio listens on a free port, so the mapping (the address the gateway dials) carries it.
        ...(options.identity === 'mirrored'
          ? { mappings: { [`sip:bob@127.0.0.1:${kamailio.udpPort}`]: userIds.dave! } }
          : {}),
      },
      sip,
      media: weriftRelay({ bindAddress: '127.0.0.1' }),
      platform: connectycube({
        appId,
        authKey,
        endpoints: { apiUrl: sandbox.apiEndpoint, chat: '127.0.0.1', chatUrl: sandbox.chatEndpoint },
        identities:
          options.identity === 'mirrored'
            ? {
                mode: 'mirrored',
                users: [{ login: 'dave', password: 'dave-password', sip: 'sip:bob@127.0.0.1' }],
                fallback: { login: 'carol', password: 'carol-password' },
              }
            : { mode: 'gateway', user: { login: 'carol', password: 'carol-password' } },
        dialingIntervalMs: 1_000,
      }),
      plugins: [routing({ rules: options.rules?.(userIds) ?? [] }), ...(options.plugins ?? [])],
    });
    const events: GatewayEvent[] = [];
    gateway.events$.subscribe((event) => events.push(event));
    await gateway.start();
    cleanups.push(() => gateway.stop({ drainTimeoutMs: 0 }));
    const registered = () =>
      new Set(events.flatMap((event) => (event.type === 'registration.registered' ? [event.account] : [])));
    await waitFor(
      'the gateway registered to Kamailio',
      () => registered().size === (options.extensions ?? ['gateway']).length,
    );
    const gatewayUserId = Number(userIds.carol);

    return {
      kamailio,
      sandbox,
      browser,
      gateway,
      events,
      gatewayUserId,
      trunk: sip.trunkAddress ? `${sip.trunkAddress.address}:${sip.trunkAddress.port}` : undefined,
      logs: () => logText,
      async phone(name, answer = 'manual') {
        const phone = await startBaresipPhone({
          name,
          registrarPort: kamailio.udpPort,
          toneHz: phoneTone,
          answer,
        });
        cleanups.push(() => phone.close());
        return phone;
      },
      async page(login) {
        const page = await SdkPage.open(browser, sandbox);
        cleanups.push(() => page.close());
        await page.login(login, `${login}-password`);
        return page;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
