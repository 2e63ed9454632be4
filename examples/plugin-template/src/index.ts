// cubebridge-plugin-template: a complete third-party plugin. It decides (a `route` hook: dialled extension →
// app users) and observes (`call.*` events → counters served over HTTP). Copy it to start your own.
import { type CallRequest, definePlugin, ofType, type RouteDecision } from '@cubebridge/core';
import { z } from 'zod';

const optionsSchema = z.object({
  /** Dialled extension (the user part of the SIP To URI) → ConnectyCube user id(s) to ring. */
  extensions: z
    .record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]))
    .superRefine((extensions, context) => {
      for (const key of Object.keys(extensions).filter((key) => !/^\d+$/.test(key))) {
        context.addIssue({ code: 'custom', path: [key], message: 'extensions are digits, like 1001' });
      }
    }),
  /** Where the counters are served. */
  statsPath: z.string().startsWith('/').default('/template/stats'),
});

export type TemplatePluginOptions = z.input<typeof optionsSchema>;

export interface TemplateStats {
  created: number;
  routed: number;
  answered: number;
  ended: number;
  /** Calls ended per reason (`normal`, `busy`, ...). */
  endedBy: Record<string, number>;
}

/** The user part of `sip:1001@pbx.example.com` → `1001`. */
export function dialledExtension(request: CallRequest): string | undefined {
  return /^sips?:([^@;]+)/.exec(request.to.uri)?.[1];
}

export default definePlugin({
  name: 'cubebridge-plugin-template',
  version: '0.1.0',
  core: '^0.1.0',
  options: optionsSchema,
  setup(ctx, options) {
    const stats: TemplateStats = { created: 0, routed: 0, answered: 0, ended: 0, endedBy: {} };

    ctx.hooks.route.register((request): RouteDecision => {
      if (request.direction !== 'sip-to-platform') return undefined;
      const extension = dialledExtension(request);
      const users = extension === undefined ? undefined : options.extensions[extension];
      if (users === undefined) return undefined;
      return { destination: { kind: 'platform', users: typeof users === 'string' ? [users] : users } };
    });

    // Subscriptions made on ctx.events$ end when the plugin stops: no unsubscribe bookkeeping needed.
    ctx.events$
      .pipe(ofType('call.created', 'call.routed', 'call.answered', 'call.ended'))
      .subscribe((event) => {
        switch (event.type) {
          case 'call.created':
            stats.created++;
            return;
          case 'call.routed':
            stats.routed++;
            return;
          case 'call.answered':
            stats.answered++;
            return;
          case 'call.ended':
            stats.ended++;
            stats.endedBy[event.reason] = (stats.endedBy[event.reason] ?? 0) + 1;
            ctx.logger.info(
              { callId: event.callId, reason: event.reason, durationMs: event.durationMs },
              'call ended',
            );
        }
      });

    ctx.http.get(options.statsPath, async () => stats);

    return () => ctx.logger.info({ stats }, 'stopped');
  },
});
