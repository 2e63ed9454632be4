// Starts plugins in dependency order with their own context, and stops them in reverse. A plugin gets least
// privilege: a read-only view of the calls, hook registrations named after it, its own service scope and its
// own HTTP context. Everything it registered through its context (hooks, subscriptions, services, routes) is
// released when it stops.
import { Subject, takeUntil } from 'rxjs';
import type { DependencyContainer } from 'tsyringe';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import { callsViewOf } from '../calls/CallView.ts';
import { PluginError, errorMessage } from '../errors.ts';
import type { EventBus } from '../events/EventBus.ts';
import type { Hooks } from '../hooks/Hooks.ts';
import type { HttpServer } from '../http/HttpServer.ts';
import { unavailableRoutes } from '../http/PluginRoutes.ts';
import type { Logger } from '../logging/Logger.ts';
import type { PluginContext, PluginUse, Teardown } from './Plugin.ts';
import { PluginServices } from './PluginServices.ts';
import { checkCoreRange, validatePluginOptions } from './validatePlugin.ts';

export interface PluginHostOptions {
  readonly bus: EventBus;
  readonly hooks: Hooks;
  readonly calls: CallRegistry;
  readonly logger: Logger;
  readonly container: DependencyContainer;
  /** The gateway's HTTP server; undefined when it is disabled. */
  readonly http: HttpServer | undefined;
  /** The running `@cubebridge/core` version, checked against each plugin's `core` range. */
  readonly coreVersion: string;
}

interface StartedPlugin {
  readonly name: string;
  readonly stop: () => Promise<void>;
}

export class PluginHost {
  readonly #options: PluginHostOptions;
  readonly #services: PluginServices;
  #started: StartedPlugin[] = [];

  constructor(options: PluginHostOptions) {
    this.#options = options;
    this.#services = new PluginServices(options.container);
  }

  get startedNames(): readonly string[] {
    return this.#started.map((plugin) => plugin.name);
  }

  /** Check every plugin (names, versions, dependencies, options) before starting any, then start them in order. */
  async start(uses: readonly PluginUse[], onStarted: (name: string) => void): Promise<void> {
    const ordered = orderByDependencies(uses);
    assertDistinctHttpPrefixes(ordered);
    const validated = await Promise.all(
      ordered.map(async (use) => ({ use, options: await this.#validate(use) })),
    );
    for (const { use, options } of validated) {
      this.#started.push(await this.#startOne(use, options));
      onStarted(use.plugin.name);
    }
  }

  /** Stop in reverse start order; a teardown that throws is logged and the others still run. */
  async stop(onStopped: (name: string) => void): Promise<void> {
    for (const plugin of this.#started.reverse()) {
      await plugin.stop();
      onStopped(plugin.name);
    }
    this.#started = [];
  }

  async #validate(use: PluginUse): Promise<unknown> {
    checkCoreRange(use.plugin, this.#options.coreVersion);
    const result = await validatePluginOptions(use);
    if (result.issues) {
      const lines = result.issues.map((issue) => `  - ${issue.path || '(options)'}: ${issue.message}`);
      throw new PluginError(use.plugin.name, `invalid options (${use.source}):\n${lines.join('\n')}`);
    }
    return result.value;
  }

  async #startOne(use: PluginUse, options: unknown): Promise<StartedPlugin> {
    const { plugin } = use;
    const stopped$ = new Subject<void>();
    const abort = new AbortController();
    const removeHooks: Array<() => void> = [];
    const logger = this.#options.logger.child({ component: `plugin:${plugin.name}` });
    const handlerName = `plugin:${plugin.name}`;
    const { hooks, http } = this.#options;
    const services = this.#services.open(plugin.name, plugin.dependencies ?? []);
    let serving = true;
    const scoped = <K extends keyof PluginContext['hooks']>(name: K): PluginContext['hooks'][K] => ({
      register: (handler: never, registration?: { order?: number }) => {
        const remove = (hooks[name].register as (h: never, o: object) => () => void)(handler, {
          name: handlerName,
          ...registration,
        });
        removeHooks.push(remove);
        return remove;
      },
    });

    const context: PluginContext = Object.freeze({
      name: plugin.name,
      events$: this.#options.bus.eventsFromCurrentState$.pipe(takeUntil(stopped$)),
      hooks: Object.freeze({ route: scoped('route'), admit: scoped('admit'), transfer: scoped('transfer') }),
      calls: callsViewOf(this.#options.calls),
      logger,
      http: http
        ? http.routesFor({ plugin: plugin.name, prefix: plugin.http?.prefix ?? '', serving: () => serving })
        : unavailableRoutes(plugin.name),
      resolve: services.resolve,
      provide: services.provide,
      signal: abort.signal,
    });

    let teardown: void | Teardown;
    try {
      teardown = await plugin.setup(context, options);
    } catch (error) {
      release();
      throw new PluginError(plugin.name, `setup failed: ${errorMessage(error)}`, { cause: error });
    }
    logger.debug('started');

    function release(): void {
      serving = false;
      abort.abort();
      for (const remove of removeHooks) remove();
      services.close();
      stopped$.next();
      stopped$.complete();
    }

    return {
      name: plugin.name,
      stop: async () => {
        try {
          if (typeof teardown === 'function') await teardown();
        } catch (error) {
          logger.error({ err: error }, 'teardown failed; its hooks and subscriptions are released anyway');
        }
        release();
      },
    };
  }
}

/** Two plugins under one HTTP prefix would shadow each other's routes: refuse before any starts. */
function assertDistinctHttpPrefixes(uses: readonly PluginUse[]): void {
  const owners = new Map<string, string>();
  for (const { plugin } of uses) {
    const prefix = plugin.http?.prefix;
    if (!prefix) continue;
    if (!prefix.startsWith('/') || prefix.endsWith('/'))
      throw new PluginError(plugin.name, `http.prefix '${prefix}' must start with '/' and not end with one`);
    const owner = owners.get(prefix);
    if (owner)
      throw new PluginError(plugin.name, `http.prefix '${prefix}' is already used by plugin '${owner}'`);
    owners.set(prefix, plugin.name);
  }
}

/**
 * Dependencies first, otherwise the order of the list. Duplicate names, missing dependencies and cycles are
 * errors that name the plugin.
 */
export function orderByDependencies(uses: readonly PluginUse[]): PluginUse[] {
  const byName = new Map<string, PluginUse>();
  for (const use of uses) {
    const existing = byName.get(use.plugin.name);
    if (existing) {
      throw new PluginError(
        use.plugin.name,
        `is listed twice (${existing.source} and ${use.source}); plugin names must be unique`,
      );
    }
    byName.set(use.plugin.name, use);
  }
  const ordered: PluginUse[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (use: PluginUse, path: readonly string[]): void => {
    const name = use.plugin.name;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new PluginError(name, `dependency cycle: ${[...path, name].join(' → ')}`);
    }
    state.set(name, 'visiting');
    for (const dependency of use.plugin.dependencies ?? []) {
      const needed = byName.get(dependency);
      if (!needed) {
        throw new PluginError(
          name,
          `needs plugin '${dependency}', which is not in the plugin list; add it to the config`,
        );
      }
      visit(needed, [...path, name]);
    }
    state.set(name, 'done');
    ordered.push(use);
  };
  for (const use of uses) visit(use, []);
  return ordered;
}
