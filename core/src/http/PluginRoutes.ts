// One encapsulated Fastify context per plugin. A plugin adds its routes and hooks during setup; they are
// registered inside its own `fastify.register` scope (under the prefix it declared), so its `addHook` applies to
// its routes only, and once the plugin stops its routes answer 404 — Fastify cannot remove a route, but it can
// stop serving one.
import type { FastifyInstance } from 'fastify';
import { PluginError } from '../errors.ts';
import type { HttpRoutes } from './HttpServer.ts';

const routeMethods = ['route', 'get', 'post', 'put', 'patch', 'delete', 'register', 'addHook'] as const;

export interface PluginRoutesOptions {
  readonly plugin: string;
  /** Where its routes live (`/admin` → `/admin/...`); `''` keeps them at the root. */
  readonly prefix: string;
  /** False once the plugin has stopped. */
  readonly serving: () => boolean;
}

/**
 * Open a plugin's scope on `root`. What the returned routes record is applied when Fastify loads the scope
 * (before the server listens); adding routes after that is an error naming the plugin.
 */
export function pluginRoutes(root: FastifyInstance, options: PluginRoutesOptions): HttpRoutes {
  const recorded: Array<(scope: FastifyInstance) => void> = [];
  let loaded = false;
  root.register(
    async (scope) => {
      loaded = true;
      scope.addHook('onRequest', async (_request, reply) => {
        if (!options.serving())
          return reply
            .code(404)
            .send({ error: 'Not Found', message: `plugin '${options.plugin}' has stopped` });
      });
      for (const apply of recorded) apply(scope);
    },
    options.prefix ? { prefix: options.prefix } : {},
  );
  const routes = {} as Record<(typeof routeMethods)[number], unknown>;
  for (const method of routeMethods) {
    routes[method] = (...args: unknown[]) => {
      if (loaded) {
        throw new PluginError(
          options.plugin,
          `added an HTTP ${method === 'addHook' ? 'hook' : 'route'} after the server started; add routes during setup`,
        );
      }
      recorded.push((scope) => (scope[method] as (...a: unknown[]) => unknown).apply(scope, args));
      return routes;
    };
  }
  return routes as unknown as HttpRoutes;
}

/** Routes for a gateway whose HTTP server is off: any use says so. */
export function unavailableRoutes(plugin: string): HttpRoutes {
  const routes = {} as Record<(typeof routeMethods)[number], unknown>;
  for (const method of routeMethods) {
    routes[method] = () => {
      throw new PluginError(plugin, 'needs the HTTP server, which is disabled (http.enabled: false)');
    };
  }
  return routes as unknown as HttpRoutes;
}
