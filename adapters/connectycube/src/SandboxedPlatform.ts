// The platform when no ConnectyCube credentials are configured: a local ConnectyCube-compatible sandbox
// (`@cubebridge/connectycube-sandbox`) started and stopped with the gateway, and the real adapter talking to it
// exactly as it would to the cloud. This is what `cubebridge start` runs on a fresh machine.
import { randomBytes } from 'node:crypto';
import type {
  AdapterContext,
  IncomingPlatformCall,
  OutgoingPlatformCallRequest,
  Platform,
  PlatformLeg,
} from '@cubebridge/core';
import { InvalidStateError } from '@cubebridge/core';
import { type Observable, Subject, type Subscription } from 'rxjs';
import { ConnectyCubePlatform } from './ConnectyCubePlatform.ts';
import type { ConnectyCubeOptions } from './ConnectyCubeOptions.ts';

export interface SandboxedPlatformOptions {
  /** Sandbox port (0 picks a free one). */
  readonly port?: number;
  /** A folder the sandbox serves at `/softphone/` (the web softphone). */
  readonly softphoneDir?: string;
  /** Demo users app people log in as; the gateway's own user is added to them. */
  readonly users?: readonly {
    readonly login: string;
    readonly password: string;
    readonly fullName?: string;
  }[];
  /** Adapter options other than credentials, endpoints and identities (timers). */
  readonly adapter?: Partial<Omit<ConnectyCubeOptions, 'appId' | 'authKey' | 'endpoints' | 'identities'>>;
}

/** The sandbox package's surface this class uses (it is an optional peer dependency, loaded when needed). */
interface SandboxModule {
  startSandbox(options: Record<string, unknown>): Promise<{
    readonly apiEndpoint: string;
    readonly chatEndpoint: string;
    readonly softphoneUrl: string | undefined;
    readonly credentials: { readonly appId: number; readonly authKey: string };
    readonly users: readonly { readonly id: number; readonly login: string }[];
    close(): Promise<void>;
  }>;
  readonly defaultSandboxUsers: readonly { login: string; password: string; fullName?: string }[];
}

export const sandboxGatewayLogin = 'cubebridge-gateway';

export class SandboxedPlatform implements Platform {
  readonly name = 'connectycube (local sandbox)';
  readonly incoming$: Observable<IncomingPlatformCall>;
  readonly #incoming = new Subject<IncomingPlatformCall>();
  readonly #options: SandboxedPlatformOptions;
  #sandbox: Awaited<ReturnType<SandboxModule['startSandbox']>> | undefined;
  #platform: ConnectyCubePlatform | undefined;
  #forwarding: Subscription | undefined;

  constructor(options: SandboxedPlatformOptions = {}) {
    this.#options = options;
    this.incoming$ = this.#incoming.asObservable();
  }

  /** Where the sandbox serves the web softphone, once started. */
  get softphoneUrl(): string | undefined {
    return this.#sandbox?.softphoneUrl;
  }

  async start(context: AdapterContext): Promise<void> {
    const module = await loadSandbox();
    const gatewayPassword = randomBytes(12).toString('hex');
    const demoUsers = this.#options.users ?? module.defaultSandboxUsers;
    const sandbox = await module.startSandbox({
      port: this.#options.port ?? 0,
      users: [
        ...demoUsers,
        { login: sandboxGatewayLogin, password: gatewayPassword, fullName: 'CubeBridge gateway' },
      ],
      ...(this.#options.softphoneDir ? { staticDir: this.#options.softphoneDir } : {}),
      logger: context.logger.child({ part: 'sandbox' }),
    });
    this.#sandbox = sandbox;
    try {
      this.#platform = new ConnectyCubePlatform({
        ...this.#options.adapter,
        appId: sandbox.credentials.appId,
        authKey: sandbox.credentials.authKey,
        endpoints: { apiUrl: sandbox.apiEndpoint, chat: '127.0.0.1', chatUrl: sandbox.chatEndpoint },
        identities: { mode: 'gateway', user: { login: sandboxGatewayLogin, password: gatewayPassword } },
      });
      this.#forwarding = this.#platform.incoming$.subscribe(this.#incoming);
      await this.#platform.start(context);
    } catch (error) {
      await this.stop();
      throw error;
    }
    const gatewayUser = sandbox.users.find((user) => user.login === sandboxGatewayLogin);
    context.logger.info(
      {
        api: sandbox.apiEndpoint,
        softphone: sandbox.softphoneUrl,
        gatewayUserId: gatewayUser?.id,
        users: demoUsers.map((user) => user.login),
      },
      `using the local ConnectyCube sandbox (no ConnectyCube credentials are configured)${
        sandbox.softphoneUrl
          ? `: open ${sandbox.softphoneUrl} and log in as ${demoUsers[0]?.login ?? 'a demo user'}`
          : ''
      }`,
    );
  }

  async stop(): Promise<void> {
    this.#forwarding?.unsubscribe();
    await this.#platform?.stop();
    await this.#sandbox?.close();
    this.#platform = undefined;
    this.#sandbox = undefined;
  }

  call(request: OutgoingPlatformCallRequest): Promise<PlatformLeg> {
    if (!this.#platform)
      throw new InvalidStateError('sandboxed ConnectyCube platform', 'stopped', 'place a call');
    return this.#platform.call(request);
  }
}

async function loadSandbox(): Promise<SandboxModule> {
  try {
    return (await import('@cubebridge/connectycube-sandbox' as string)) as SandboxModule;
  } catch (error) {
    throw new Error(
      'no ConnectyCube credentials are configured and @cubebridge/connectycube-sandbox is not installed: ' +
        'set CONNECTYCUBE_APP_ID and CONNECTYCUBE_AUTH_KEY, or `pnpm add @cubebridge/connectycube-sandbox`',
      { cause: error },
    );
  }
}
