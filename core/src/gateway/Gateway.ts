// A gateway: adapters, plugins, the call bridge and the HTTP server, in one DI container of its own.
// Starts the media relay, the SIP adapter and the platform, then plugins in dependency order; stops in reverse.
import { createRequire } from 'node:module';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { resolve } from 'node:path';
import { CallRegistry } from '../calls/CallRegistry.ts';
import { endOrphanedCalls } from '../calls/endOrphanedCalls.ts';
import { FileCallJournal } from '../calls/FileCallJournal.ts';
import type { GatewayConfig, GatewayConfigInput } from '../config/schema.ts';
import { validateConfig } from '../config/loadConfig.ts';
import { AdapterError, InvalidStateError, errorMessage } from '../errors.ts';
import { EventBus } from '../events/EventBus.ts';
import type { GatewayEvent, GatewayEventInput } from '../events/GatewayEvent.ts';
import { Hooks } from '../hooks/Hooks.ts';
import { HttpServer } from '../http/HttpServer.ts';
import { createLogger } from '../logging/createLogger.ts';
import type { Logger } from '../logging/Logger.ts';
import type { CallJournal } from '../ports/CallJournal.ts';
import type { AdapterContext } from '../ports/common.ts';
import type { MediaRelay } from '../ports/MediaRelay.ts';
import type { Platform } from '../ports/Platform.ts';
import type { SipAdapter } from '../ports/SipAdapter.ts';
import { type PluginEntry, resolvePluginEntries } from '../plugins/loadPlugin.ts';
import type { PluginUse } from '../plugins/Plugin.ts';
import { PluginHost } from '../plugins/PluginHost.ts';
import { CallBridge } from './CallBridge.ts';
import { loadAdapters } from './loadAdapters.ts';
import { type Token, Tokens } from './tokens.ts';
import type { IsolatedObservable } from '../events/IsolatedObservable.ts';

export const coreVersion: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;

export type GatewayState =
  | 'created'
  | 'starting'
  | 'running'
  | 'draining'
  | 'stopping'
  | 'stopped'
  | 'failed';

export interface GatewayOptions {
  /** Configuration object (validated here) — or already validated by `loadConfig`. */
  readonly config?: GatewayConfigInput | GatewayConfig;
  /** Adapters given in code win over the config's sections. */
  readonly sip?: SipAdapter;
  readonly media?: MediaRelay;
  readonly platform?: Platform;
  /** Plugins in addition to the config's list. */
  readonly plugins?: readonly PluginEntry[];
  /** Where plugin and adapter packages are resolved from (default: the current directory). */
  readonly projectDir?: string;
  /**
   * With no `connectycube` section, load `@cubebridge/connectycube` anyway (it embeds the local sandbox when no
   * credentials are set, unless `sandbox.enabled` is `off`). The CLI sets this; code-assembled gateways get only
   * what they name.
   */
  readonly implicitPlatform?: boolean;
  readonly logger?: Logger;
  /**
   * Where answered calls are kept for the next process; default a `FileCallJournal` in `stateDir`, if set. The
   * gateway closes it when it stops.
   */
  readonly callJournal?: CallJournal;
}

interface Component {
  readonly name: 'media' | 'sip' | 'platform';
  readonly adapter: SipAdapter | MediaRelay | Platform;
}

export class Gateway {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** This gateway's own container: two gateways in one process share nothing. */
  readonly container: DependencyContainer;
  readonly hooks = new Hooks();
  readonly calls = new CallRegistry();
  readonly http: HttpServer | undefined;
  readonly #bus: EventBus;
  readonly #components: Component[];
  readonly #plugins: PluginHost;
  readonly #pluginUses: readonly PluginUse[];
  readonly #bridge: CallBridge;
  readonly #abort = new AbortController();
  readonly #journal: CallJournal | undefined;
  #started: Component[] = [];
  #state: GatewayState = 'created';
  #stopping: Promise<void> | undefined;

  constructor(
    config: GatewayConfig,
    parts: {
      sip?: SipAdapter | undefined;
      media?: MediaRelay | undefined;
      platform?: Platform | undefined;
      plugins: readonly PluginUse[];
      logger: Logger;
      journal?: CallJournal | undefined;
    },
  ) {
    this.config = config;
    this.#journal = parts.journal;
    this.logger = parts.logger;
    this.#bus = new EventBus({ logger: this.logger.child({ component: 'events' }) });
    this.#pluginUses = parts.plugins;
    const candidates: Array<[Component['name'], Component['adapter'] | undefined]> = [
      ['media', parts.media],
      ['sip', parts.sip],
      ['platform', parts.platform],
    ];
    this.#components = candidates.flatMap(([name, adapter]) => (adapter ? [{ name, adapter }] : []));

    this.container = rootContainer.createChildContainer();
    this.container.register(Tokens.Config, { useValue: config });
    this.container.register(Tokens.Logger, { useValue: this.logger });
    this.container.register(Tokens.EventBus, { useValue: this.#bus });
    this.container.register(Tokens.Hooks, { useValue: this.hooks });
    this.container.register(Tokens.Calls, { useValue: this.calls });
    if (parts.sip) this.container.register(Tokens.SipAdapter, { useValue: parts.sip });
    if (parts.media) this.container.register(Tokens.MediaRelay, { useValue: parts.media });
    if (parts.platform) this.container.register(Tokens.Platform, { useValue: parts.platform });

    this.http = config.http.enabled
      ? new HttpServer({
          host: config.http.host,
          port: config.http.port,
          logger: this.logger.child({ component: 'http' }),
          health: () => ({
            status: this.#state === 'running' || this.#state === 'draining' ? 'ok' : 'degraded',
            components: {
              gateway: this.#state,
              ...Object.fromEntries(
                this.#components.map((c) => [
                  c.name,
                  `${c.adapter.name}: ${this.#started.includes(c) ? 'started' : 'stopped'}`,
                ]),
              ),
              calls: String(this.calls.size),
            },
          }),
          ready: () =>
            this.#state === 'running'
              ? { ready: true }
              : { ready: false, reason: `gateway is ${this.#state}` },
        })
      : undefined;

    this.#plugins = new PluginHost({
      bus: this.#bus,
      hooks: this.hooks,
      calls: this.calls,
      logger: this.logger,
      container: this.container,
      http: this.http,
      coreVersion,
    });
    this.#bridge = new CallBridge({
      bus: this.#bus,
      hooks: this.hooks,
      calls: this.calls,
      logger: this.logger.child({ component: 'calls' }),
      sip: parts.sip,
      media: parts.media,
      platform: parts.platform,
      accepting: () => this.#state === 'running',
    });
  }

  /** Every gateway event: observation only; a subscriber that throws or is slow is reported, never fatal. */
  get events$(): IsolatedObservable<GatewayEvent> {
    return this.#bus.events$;
  }

  get state(): GatewayState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#state === 'stopped' || this.#state === 'failed';
  }

  /** A service from this gateway's container, typed by its token. */
  resolve<T>(token: Token<T>): T {
    return this.container.resolve<T>(token);
  }

  /** Publish an event (adapters use their context's `emit`; this is for the host application). */
  emit(event: GatewayEventInput): void {
    this.#bus.emit(event);
  }

  async start(): Promise<void> {
    if (this.#state !== 'created') throw new InvalidStateError('gateway', this.#state, 'start');
    this.#state = 'starting';
    this.#bus.emit({ type: 'gateway.starting' });
    try {
      for (const component of this.#components) {
        const logger = this.logger.child({ component: component.name });
        await component.adapter.start(this.#adapterContext(logger)).catch((error: unknown) => {
          throw new AdapterError(
            component.name,
            `${component.adapter.name} failed to start: ${errorMessage(error)}`,
            { cause: error },
          );
        });
        this.#started.push(component);
        logger.info({ adapter: component.adapter.name }, 'started');
      }
      if (this.#components.length === 0) {
        this.logger.warn(
          'no adapters configured yet: the gateway runs, but cannot bridge calls (configure sip and connectycube)',
        );
      }
      await this.#plugins.start(this.#pluginUses, (plugin) =>
        this.#bus.emit({ type: 'gateway.plugin-started', plugin }),
      );
      await this.http?.listen();
      this.#bridge.listen();
      this.#endOrphanedCalls();
      this.#state = 'running';
      this.#bus.emit({ type: 'gateway.started' });
      this.logger.info({ http: this.http?.url, plugins: this.#plugins.startedNames }, 'gateway started');
    } catch (error) {
      this.logger.error({ err: error }, 'gateway failed to start; stopping what had started');
      await this.#shutDown();
      this.#state = 'failed';
      throw error;
    }
  }

  /**
   * Refuse new calls and wait for the calls in progress to end; after `timeoutMs` the rest are ended.
   * Resolves with the number of calls that had to be ended.
   */
  async drain(options: { timeoutMs?: number } = {}): Promise<{ forced: number }> {
    if (this.#state !== 'running' && this.#state !== 'draining') return { forced: 0 };
    const timeoutMs = options.timeoutMs ?? this.config.drainTimeoutMs;
    // Keep listening: new calls must get an explicit refusal (503), not silence.
    this.#state = 'draining';
    this.#bus.emit({ type: 'gateway.draining', activeCalls: this.calls.size });
    this.logger.info({ activeCalls: this.calls.size, timeoutMs }, 'draining: new calls are refused');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.calls.whenEmpty().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!timedOut) return { forced: 0 };
    const remaining = this.calls.list();
    this.logger.warn({ calls: remaining.length }, 'drain timed out: ending the calls still in progress');
    await Promise.all(remaining.map((call) => call.close('shutdown', 'gateway', 'gateway drain timed out')));
    return { forced: remaining.length };
  }

  /** Drain (bounded by `drainTimeoutMs`), then stop plugins and adapters in reverse order. Idempotent. */
  stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#state === 'running' || this.#state === 'draining')
        await this.drain({ timeoutMs: options.drainTimeoutMs ?? this.config.drainTimeoutMs });
      this.#state = 'stopping';
      this.#bus.emit({ type: 'gateway.stopping' });
      await this.#shutDown();
      this.#state = 'stopped';
      this.#bus.emit({ type: 'gateway.stopped' });
      this.#bus.close();
      this.logger.info('gateway stopped');
    })();
    return this.#stopping;
  }

  /** Stop whatever started, in reverse; failures are logged and the rest still stop. */
  async #shutDown(): Promise<void> {
    this.#bridge.stopListening();
    // End calls while the adapters can still signal it (BYE, hangUp), and only then tell them to stop retrying.
    await Promise.all(this.calls.list().map((call) => call.close('shutdown', 'gateway')));
    this.#abort.abort();
    await this.#plugins.stop((plugin) => this.#bus.emit({ type: 'gateway.plugin-stopped', plugin }));
    await this.http
      ?.close()
      .catch((error: unknown) => this.logger.error({ err: error }, 'http server failed to close'));
    for (const component of this.#started.reverse()) {
      await component.adapter.stop().catch((error: unknown) => {
        this.logger.error({ err: error, component: component.name }, 'adapter failed to stop cleanly');
        this.#bus.emit({ type: 'gateway.error', component: component.name, error: errorMessage(error) });
      });
    }
    this.#started = [];
    // After the adapters: the legs they ended on the way out are off the journal by now.
    await this.#journal?.close();
    this.container.clearInstances();
  }

  #adapterContext(logger: Logger): AdapterContext {
    return {
      logger,
      emit: (event) => this.#bus.emit(event as GatewayEventInput),
      signal: this.#abort.signal,
      ...(this.#journal ? { journal: this.#journal } : {}),
    };
  }

  /** In the background: a BYE to a phone that is gone takes a transaction timeout, and must not delay start. */
  #endOrphanedCalls(): void {
    const journal = this.#journal;
    if (!journal || journal.left.length === 0) return;
    const adapter = <T>(name: Component['name']) =>
      this.#components.find((component) => component.name === name)?.adapter as T | undefined;
    const logger = this.logger.child({ component: 'journal' });
    logger.info({ calls: journal.left.length }, 'ending the calls an earlier process left up');
    void endOrphanedCalls(
      journal,
      { sip: adapter<SipAdapter>('sip'), platform: adapter<Platform>('platform') },
      logger,
    );
  }
}

/**
 * Assemble a gateway from configuration and code: validate the config, load adapters and plugins named in it
 * (resolved from `projectDir`), and build the container. Nothing starts until `start()`.
 */
export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const config = validateConfig(options.config ?? {});
  const logger =
    options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, name: config.name });
  const projectDir = options.projectDir ?? process.cwd();
  const fromConfig = await loadAdapters(
    {
      ...config,
      sip: options.sip ?? config.sip,
      media: options.media ?? config.media,
      connectycube: options.platform ?? config.connectycube,
    },
    { projectDir, logger, implicitPlatform: options.implicitPlatform ?? false },
  );
  const plugins = await resolvePluginEntries(
    [...(config.plugins as PluginEntry[]), ...(options.plugins ?? [])],
    projectDir,
  );
  const journal =
    options.callJournal ??
    (config.stateDir ? new FileCallJournal(resolve(projectDir, config.stateDir)) : undefined);
  return new Gateway(config, { ...fromConfig, plugins, logger, journal });
}
