// @cubebridge/plugin-metrics: Prometheus metrics for the gateway at `/metrics`, and optionally the calls in
// progress with their media quality at a JSON path.
import { definePlugin, type PluginDefinition } from '@cubebridge/core';
import { GatewayMetrics } from './GatewayMetrics.ts';
import { type MetricsOptions, metricsOptionsSchema } from './MetricsOptions.ts';

export { GatewayMetrics, type CallSnapshot } from './GatewayMetrics.ts';
export { MediaStatsDeltas, type LegCounts, type LegName } from './MediaStatsDeltas.ts';
export { metricsOptionsSchema, type MetricsOptions, type ResolvedMetricsOptions } from './MetricsOptions.ts';

export const metricsPlugin = definePlugin({
  name: '@cubebridge/plugin-metrics',
  version: '0.1.0',
  core: '^0.1.0',
  options: metricsOptionsSchema,
  setup(ctx, options) {
    const metrics = new GatewayMetrics(options, () => ctx.calls.list());
    // events$ completes when the plugin stops, which ends this subscription with it.
    ctx.events$.subscribe((event) => metrics.observe(event));
    ctx.http.get(options.path, async (_request, reply) =>
      reply.header('content-type', metrics.contentType).send(await metrics.render()),
    );
    const { callsPath } = options;
    if (callsPath) ctx.http.get(callsPath, async () => ({ calls: metrics.snapshot(ctx.calls.list()) }));
    ctx.logger.info({ path: options.path, callsPath: callsPath || undefined }, 'serving Prometheus metrics');
    return () => metrics.close();
  },
});

export default metricsPlugin;

/** For gateways assembled in code: `plugins: [metrics({ labels: { gateway: 'office-1' } })]`. */
export function metrics(options: MetricsOptions = {}): readonly [PluginDefinition<unknown>, MetricsOptions] {
  return [metricsPlugin as PluginDefinition<unknown>, options];
}
