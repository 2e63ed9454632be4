// The services a plugin can resolve, and the ones it provides. Each plugin gets its own tsyringe child
// container: what it `provide`s is registered there and is visible only to itself and to the plugins that
// declare it in `dependencies`; when it stops, its container is emptied and dropped. The gateway's own
// services are resolved from the gateway's container, except the ones that would let a plugin bypass its
// scoped context (the raw bus, the raw hooks, the mutable call registry).
import type { DependencyContainer } from 'tsyringe';
import { PluginError } from '../errors.ts';
import { type Token, Tokens } from '../gateway/tokens.ts';

/** Core tokens a plugin may not resolve, and what it uses instead. */
const withheldTokens = new Map<symbol, string>([
  [Tokens.EventBus, 'ctx.events$ (observation) — a plugin cannot publish gateway events'],
  [Tokens.Hooks, 'ctx.hooks (registrations named after the plugin and removed when it stops)'],
  [Tokens.Calls, 'ctx.calls (a read-only view of the calls in progress)'],
]);

export class PluginServices {
  readonly #gateway: DependencyContainer;
  readonly #scopes = new Map<string, DependencyContainer>();

  constructor(gateway: DependencyContainer) {
    this.#gateway = gateway;
  }

  /** Open a plugin's scope; `dependencies` are the plugins whose provided services it may resolve. */
  open(plugin: string, dependencies: readonly string[]): PluginServiceScope {
    const own = this.#gateway.createChildContainer();
    this.#scopes.set(plugin, own);
    let closed = false;
    const assertOpen = (attempted: string) => {
      if (closed) throw new PluginError(plugin, `has stopped: cannot ${attempted}`);
    };
    return {
      resolve: <T>(token: Token<T>): T => {
        assertOpen(`resolve ${token.description ?? 'a service'}`);
        const instead = withheldTokens.get(token);
        if (instead) {
          throw new PluginError(
            plugin,
            `asked for ${token.description}, which plugins cannot resolve; use ${instead}`,
          );
        }
        if (own.isRegistered(token, false)) return own.resolve<T>(token);
        for (const dependency of dependencies) {
          const scope = this.#scopes.get(dependency);
          if (scope?.isRegistered(token, false)) return scope.resolve<T>(token);
        }
        if (this.#gateway.isRegistered(token, true)) return this.#gateway.resolve<T>(token);
        throw new PluginError(
          plugin,
          `asked for ${token.description ?? 'a service'}, which nothing provides; is the plugin that provides it listed in its dependencies?`,
        );
      },
      provide: <T>(token: Token<T>, value: T): void => {
        assertOpen(`provide ${token.description ?? 'a service'}`);
        if (withheldTokens.has(token) || this.#gateway.isRegistered(token, true)) {
          throw new PluginError(
            plugin,
            `cannot provide ${token.description ?? 'this service'}: the gateway provides it; create a token of your own (createToken)`,
          );
        }
        own.register<T>(token, { useValue: value });
      },
      close: () => {
        if (closed) return;
        closed = true;
        own.reset();
        this.#scopes.delete(plugin);
      },
    };
  }
}

export interface PluginServiceScope {
  resolve<T>(token: Token<T>): T;
  provide<T>(token: Token<T>, value: T): void;
  /** Withdraw what the plugin provided; later calls throw. */
  close(): void;
}
