// The gateway configuration: what the core knows about, validated with zod. Every other key of the `sip`, `media`
// and `connectycube` sections belongs to the adapter package the section names, and plugin options to the plugin:
// each package exports its own schema, and `checkConfig` validates those parts against them.
import { z } from 'zod';
import type { MediaRelay } from '../ports/MediaRelay.ts';
import type { Platform } from '../ports/Platform.ts';
import type { SipAdapter } from '../ports/SipAdapter.ts';
import { isPluginDefinition, type PluginDefinition } from '../plugins/Plugin.ts';

const port = z
  .number({ error: 'must be a port number (0 to 65535; 0 picks a free port)' })
  .int('must be a whole number')
  .min(0, 'must be 0 to 65535')
  .max(65535, 'must be 0 to 65535');

const packageName = z.string().regex(/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$|^\.{0,2}\//, {
  error:
    'must be an npm package name (`@cubebridge/sip`, `cubebridge-plugin-x`) or a relative path (`./my-plugin.js`)',
});

function instanceOf<T>(kind: string, check: (value: Record<string, unknown>) => boolean) {
  return z.custom<T>(
    (value) => typeof value === 'object' && value !== null && check(value as Record<string, unknown>),
    { error: `must be a ${kind} object, or a section with options for one` },
  );
}

const isStartable = (value: Record<string, unknown>) =>
  typeof value.start === 'function' && typeof value.stop === 'function';

/**
 * A section that names its adapter package: the core knows only `adapter`; every other key belongs to the
 * package, which exports the schema they are checked against (`configSchema`, see `checkConfig`).
 */
const adapterSection = (defaultPackage: string) =>
  z.looseObject({
    /** The adapter package, or a relative path to a module of the project's own. */
    adapter: packageName.default(defaultPackage),
  });

const sipUriPattern = /^(sips?|tel):[^\s]+$/;

const pluginEntry = z.union(
  [
    packageName,
    z.custom<PluginDefinition<unknown>>(isPluginDefinition),
    z.tuple([z.union([packageName, z.custom<PluginDefinition<unknown>>(isPluginDefinition)]), z.unknown()]),
    z.strictObject({ package: packageName, options: z.unknown().optional() }),
  ],
  {
    error:
      'must be a package name, a plugin made with definePlugin(), [plugin, options], or { package, options }',
  },
);

export const gatewayConfigSchema = z.strictObject({
  name: z.string().min(1).default('cubebridge'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  logFormat: z.enum(['json', 'pretty', 'auto']).default('auto'),
  http: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(8080),
    })
    .prefault({}),
  /**
   * A folder of the gateway's own (relative to the project): the calls that are up are kept there
   * (`calls.jsonl`), so that after a crash or `kill -9` the next start ends them (BYE, app hang-up).
   * Unset: no journal.
   */
  stateDir: z.string().min(1).optional(),
  /** How long `drain()` waits for calls in progress before ending them. */
  drainTimeoutMs: z.number().int().min(0).default(30_000),
  sip: z
    .union([
      instanceOf<SipAdapter>('SIP adapter', (v) => isStartable(v) && 'incoming$' in v),
      adapterSection('@cubebridge/sip'),
    ])
    .optional(),
  media: z
    .union([
      instanceOf<MediaRelay>('media relay', (v) => isStartable(v) && typeof v.createSession === 'function'),
      adapterSection('@cubebridge/media-werift'),
    ])
    .optional(),
  connectycube: z
    .union([
      instanceOf<Platform>('platform adapter', (v) => isStartable(v) && 'incoming$' in v),
      adapterSection('@cubebridge/connectycube'),
    ])
    .optional(),
  /** The local ConnectyCube-compatible sandbox: `auto` starts it when no ConnectyCube credentials are set. */
  sandbox: z
    .strictObject({
      enabled: z.enum(['auto', 'on', 'off']).default('auto'),
      port: port.default(0),
      /** The web softphone folder the sandbox serves at `/softphone/` (default: `examples/web-softphone`). */
      softphone: z.string().min(1).optional(),
    })
    .prefault({}),
  /** SIP identity → ConnectyCube user id, as in the seed (`"sip:joao@empresa.com": "12345"`). */
  mappings: z
    .record(
      z.string(),
      z
        .union([z.string().min(1, 'must be a ConnectyCube user id'), z.number().int().positive()])
        .transform(String),
    )
    .superRefine((mappings, context) => {
      for (const key of Object.keys(mappings).filter((key) => !sipUriPattern.test(key))) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `key '${key}' is not a SIP URI: write it like sip:joao@empresa.com`,
        });
      }
    })
    .default({}),
  plugins: z.array(pluginEntry).default([]),
});

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** Type helper for `cubebridge.config.ts`: `export default defineConfig({ ... })`. */
export function defineConfig(config: GatewayConfigInput): GatewayConfigInput {
  return config;
}
