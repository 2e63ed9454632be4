// The plugin's options, validated at load (Standard Schema through zod), with the defaults a scrape config expects.
import { z } from 'zod';

const httpPath = z
  .string()
  .regex(/^\/[\w\-./]*$/, { error: 'must be an HTTP path starting with "/", like "/metrics"' });

export const metricsOptionsSchema = z.strictObject({
  /** Where Prometheus scrapes. */
  path: httpPath.default('/metrics'),
  /** Prefix of every metric name. */
  prefix: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'must be a Prometheus name prefix like "cubebridge_"' })
    .default('cubebridge_'),
  /** Node process metrics (CPU, memory, event-loop lag, GC) beside the gateway's own. */
  processMetrics: z.boolean().default(true),
  /**
   * A JSON list of the calls in progress with their latest media stats at this path, or `false` (default) for
   * none: it shows who is talking to whom, so it is off unless asked for.
   */
  callsPath: z.union([httpPath, z.literal(false)]).default(false),
  /** Labels added to every metric (`{ "gateway": "office-1" }`), for several gateways in one Prometheus. */
  labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string()).default({}),
});

export type MetricsOptions = z.input<typeof metricsOptionsSchema>;
export type ResolvedMetricsOptions = z.output<typeof metricsOptionsSchema>;
