// The plugin contract: a named setup function with declared dependencies and validated options, returning
// its teardown. Plugins observe through `ctx.events$` and decide through `ctx.hooks`.
import type { Observable } from 'rxjs';
import type { CallsView } from '../calls/CallView.ts';
import type { GatewayEvent } from '../events/GatewayEvent.ts';
import type { Hooks } from '../hooks/Hooks.ts';
import type { HttpRoutes } from '../http/HttpServer.ts';
import type { Logger } from '../logging/Logger.ts';
import type { Token } from '../gateway/tokens.ts';
import type { InferOutput, StandardSchemaV1 } from './StandardSchema.ts';

export const pluginBrand: unique symbol = Symbol.for('cubebridge.plugin');

export type Teardown = () => void | Promise<void>;

export interface PluginContext {
  /** The plugin's name. */
  readonly name: string;
  /**
   * Every gateway event; completes when the plugin stops, so subscriptions end with it. As plugins start after
   * the adapters, a subscription first gets the latest `registration.*` event of each SIP account and
   * `platform.*` event of each identity (their `at` says when they happened), then live events.
   */
  readonly events$: Observable<GatewayEvent>;
  /** Decision points; handlers registered here are removed when the plugin stops. */
  readonly hooks: PluginHooks;
  /** The calls in progress, read-only: views that can be read, tapped and hung up, never driven. */
  readonly calls: CallsView;
  /** `plugin:<name>` child logger. */
  readonly logger: Logger;
  /**
   * The plugin's own encapsulated HTTP context: routes and hooks added here during setup live under the
   * plugin's declared `http.prefix`, its hooks see only its routes, and its routes answer 404 once it stops.
   */
  readonly http: HttpRoutes;
  /**
   * A service: one this plugin provided, one a plugin in its `dependencies` provided, or the gateway's
   * (`Tokens.Config`, `Tokens.Logger`, the adapters). The raw event bus, hooks and call registry are withheld.
   */
  resolve<T>(token: Token<T>): T;
  /** Offer a service to the plugins that declare this one as a dependency; withdrawn when this plugin stops. */
  provide<T>(token: Token<T>, value: T): void;
  /** Aborted when the plugin stops. */
  readonly signal: AbortSignal;
}

/** The hooks as a plugin sees them: registration is named after the plugin automatically. */
export interface PluginHooks {
  route: {
    register(handler: Parameters<Hooks['route']['register']>[0], options?: { order?: number }): () => void;
  };
  admit: {
    register(handler: Parameters<Hooks['admit']['register']>[0], options?: { order?: number }): () => void;
  };
  transfer: {
    register(handler: Parameters<Hooks['transfer']['register']>[0], options?: { order?: number }): () => void;
  };
}

export interface PluginDefinition<Options = unknown> {
  readonly [pluginBrand]: true;
  /** npm-style name, unique in a gateway (`routing`, `cubebridge-plugin-hello`, `@acme/cubebridge-plugin-x`). */
  readonly name: string;
  readonly version?: string;
  /** The `@cubebridge/core` versions this plugin supports, as a semver range (`^0.1.0`). Checked at load. */
  readonly core?: string;
  /** Names of plugins that must start before this one. */
  readonly dependencies?: readonly string[];
  readonly options?: StandardSchemaV1<unknown, Options>;
  /** Where the plugin's HTTP routes live; without it they are at the root, still in the plugin's own context. */
  readonly http?: PluginHttp;
  setup(ctx: PluginContext, options: Options): void | Teardown | Promise<void | Teardown>;
}

export interface PluginHttp {
  /** Path prefix of every route the plugin adds (`/admin`); two plugins cannot share one. */
  readonly prefix: string;
}

export interface PluginSpec<S extends StandardSchemaV1 | undefined, Options> {
  readonly name: string;
  readonly version?: string;
  readonly core?: string;
  readonly dependencies?: readonly string[];
  readonly options?: S;
  readonly http?: PluginHttp;
  setup(ctx: PluginContext, options: Options): void | Teardown | Promise<void | Teardown>;
}

/** Declare a plugin. Options are typed from the schema when one is given. */
export function definePlugin<S extends StandardSchemaV1 | undefined = undefined>(
  spec: PluginSpec<S, S extends StandardSchemaV1 ? InferOutput<S> : undefined>,
): PluginDefinition<S extends StandardSchemaV1 ? InferOutput<S> : undefined> {
  return { ...spec, [pluginBrand]: true } as PluginDefinition<
    S extends StandardSchemaV1 ? InferOutput<S> : undefined
  >;
}

export function isPluginDefinition(value: unknown): value is PluginDefinition<unknown> {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[pluginBrand] === true
  );
}

/** A plugin with the options it should get: what the gateway's plugin list holds once resolved. */
export interface PluginUse {
  readonly plugin: PluginDefinition<unknown>;
  readonly options: unknown;
  /** Where it came from, for error messages (`package cubebridge-plugin-x`, `inline`). */
  readonly source: string;
}
