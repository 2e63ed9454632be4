// The gateway's one HTTP server (Fastify: schema-validated routes, encapsulated plugins, low overhead, well kept).
// The core serves `/health` and `/ready`; plugins add routes through `ctx.http` before it listens.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../logging/Logger.ts';
import { pluginRoutes, type PluginRoutesOptions } from './PluginRoutes.ts';

/**
 * What a plugin may do with the server: add routes, hooks and Fastify plugins inside its own encapsulated
 * context (see PluginRoutes), nothing else.
 */
export type HttpRoutes = Pick<
  FastifyInstance,
  'route' | 'get' | 'post' | 'put' | 'patch' | 'delete' | 'register' | 'addHook'
>;

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly components: Readonly<Record<string, string>>;
}

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly health: () => HealthReport;
  readonly ready: () => { ready: boolean; reason?: string };
}

export class HttpServer {
  readonly #fastify: FastifyInstance;
  readonly #options: HttpServerOptions;
  #address: { host: string; port: number } | undefined;
  #closed = false;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    this.#fastify = Fastify({
      loggerInstance: options.logger as FastifyBaseLogger,
      // Health probes arrive every few seconds: request logs would drown everything else.
      logController: new LogController({ disableRequestLogging: true }),
    });
    this.#fastify.get('/health', async () => options.health());
    this.#fastify.get('/ready', async (_request, reply) => {
      const state = options.ready();
      return reply.code(state.ready ? 200 : 503).send(state);
    });
  }

  /** A plugin's own encapsulated context on this server (opened before the server listens). */
  routesFor(options: PluginRoutesOptions): HttpRoutes {
    return pluginRoutes(this.#fastify, options);
  }

  /** Where it listens, once it does (port 0 in the config resolves to a real port here). */
  get address(): { host: string; port: number } | undefined {
    return this.#address;
  }

  get url(): string | undefined {
    return (
      this.#address &&
      `http://${this.#address.host.includes(':') ? `[${this.#address.host}]` : this.#address.host}:${this.#address.port}`
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  async listen(): Promise<void> {
    await this.#fastify.listen({ host: this.#options.host, port: this.#options.port });
    const address = this.#fastify.server.address();
    if (address && typeof address === 'object')
      this.#address = { host: this.#options.host, port: address.port };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fastify.close();
  }
}
