// Starts plugins in dependency order with their own context, and stops them in reverse. Everything a plugin
// registered through its context (hooks, subscriptions, services) is released when it stops.
import { Subject, takeUntil } from 'rxjs';
import type { DependencyContainer } from 'tsyringe';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import { PluginError, errorMessage } from '../errors.ts';
import type { EventBus } from '../events/EventBus.ts';
import type { Hooks } from '../hooks/Hooks.ts';
import type { HttpRoutes } from '../http/HttpServer.ts';
import type { Logger } from '../logging/Logger.ts';
import type { Token } from '../gateway/tokens.ts';
import type { PluginContext, PluginUse, Teardown } from './Plugin.ts';
import { checkCoreRange, validatePluginOptions } from './validatePlugin.ts';

export interface PluginHostOptions {
  readonly bus: EventBus;
  readonly hooks: Hooks;
  readonly calls: CallRegistry;
  readonly logger: Logger;
  readonly container: DependencyContainer;
  readonly http: HttpRoutes;
  /** The running `@cubebridge/core` version, checked against each plugin's `core` range. */
  readonly coreVersion: string;
}

interface StartedPlugin {
  readonly name: string;
  readonly stop: () => Promise<void>;
}

export class PluginHost {
  readonly #options: PluginHostOptions;
  #started: StartedPlugin[] = [];

  constructor(options: PluginHostOptions) {
    this.#options = options;
  }

  get startedNames(): readonly string[] {
    return this.#started.map((plugin) => plugin.name);
  }

  /** Check every plugin (names, versions, dependencies, options) before starting any, then start them in order. */
  async start(uses: readonly PluginUse[], onStarted: (name: string) => void): Promise<void> {
    const ordered = orderByDependencies(uses);
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
    const { container, hooks } = this.#options;

    const context: PluginContext = {
      name: plugin.name,
      events$: this.#options.bus.eventsFromCurrentState$.pipe(takeUntil(stopped$)),
      hooks: {
        route: {
          register: (handler, registration) => {
            const remove = hooks.route.register(handler, { name: handlerName, ...registration });
            removeHooks.push(remove);
            return remove;
          },
        },
        admit: {
          register: (handler, registration) => {
            const remove = hooks.admit.register(handler, { name: handlerName, ...registration });
            removeHooks.push(remove);
            return remove;
          },
        },
        transfer: {
          register: (handler, registration) => {
            const remove = hooks.transfer.register(handler, { name: handlerName, ...registration });
            removeHooks.push(remove);
            return remove;
          },
        },
      },
      calls: this.#options.calls,
      logger,
      http: this.#options.http,
      resolve: <T>(token: Token<T>): T => {
        if (!container.isRegistered(token, true)) {
          throw new PluginError(
            plugin.name,
            `asked for ${token.description ?? 'a service'}, which nothing provides; is the plugin that provides it listed in its dependencies?`,
          );
        }
        return container.resolve<T>(token);
      },
      provide: <T>(token: Token<T>, value: T) => {
        container.register<T>(token, { useValue: value });
      },
      signal: abort.signal,
    };

    let teardown: void | Teardown;
    try {
      teardown = await plugin.setup(context, options);
    } catch (error) {
      release();
      throw new PluginError(plugin.name, `setup failed: ${errorMessage(error)}`, { cause: error });
    }
    logger.debug('started');

    function release(): void {
      abort.abort();
      for (const remove of removeHooks) remove();
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
