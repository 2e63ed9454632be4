// The gateway configuration: what the core knows about, validated with zod. Adapter-specific keys pass through
// to the adapter named in each section, which validates its own options.
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

export const sipAccountSchema = z.object({
  /** A name for logs and `registration.*` events; default `username@domain`. */
  name: z.string().min(1).optional(),
  username: z.string({ error: 'is required: the SIP user part, e.g. 1001' }).min(1, 'must not be empty'),
  domain: z
    .string({ error: 'is required: the SIP domain, e.g. pbx.example.com' })
    .min(1, 'must not be empty'),
  password: z.string().optional(),
  /** Precomputed MD5(username:realm:password), instead of the password. */
  ha1: z
    .string()
    .regex(/^[0-9a-f]{32}$/i, 'must be 32 hex digits')
    .optional(),
  authorizationUsername: z.string().optional(),
  displayName: z.string().optional(),
  /** Where to send REGISTER and calls: `udp://host:5060`, `tcp://…`, `tls://…`, `ws://…/ws`, `wss://…`. */
  server: z
    .string()
    .regex(
      /^(udp|tcp|tls|ws|wss):\/\/[^\s]+$/,
      'must be a URL like udp://pbx.example.com:5060 or wss://pbx.example.com/ws',
    )
    .optional(),
  expiresSec: z.number().int().min(60, 'must be at least 60 seconds').optional(),
});

const sipSection = z.looseObject({
  /** The adapter package (or a server profile such as `@cubebridge/adapter-kamailio`). */
  adapter: packageName.default('@cubebridge/sip'),
  /** The seed's single-account settings (SIP_DOMAIN, SIP_USERNAME, SIP_PASSWORD); become `accounts[0]`. */
  domain: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  server: z.string().optional(),
  accounts: z.array(sipAccountSchema).default([]),
});

const mediaSection = z.looseObject({
  adapter: packageName.default('@cubebridge/media-werift'),
});

const connectyCubeSection = z.looseObject({
  adapter: packageName.default('@cubebridge/connectycube'),
  appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'must be a number')]).optional(),
  authKey: z.string().optional(),
  authSecret: z.string().optional(),
  accountKey: z.string().optional(),
  /** `gateway`: one ConnectyCube user for the gateway; `mirrored`: one per mapped SIP extension. */
  identity: z.enum(['gateway', 'mirrored']).default('gateway'),
  endpoints: z
    .object({
      api: z.url({ error: 'must be a URL like https://api.connectycube.com' }).optional(),
      chat: z.string().optional(),
    })
    .optional(),
});

const sipUriPattern = /^(sips?|tel):[^\s]+$/;

const pluginEntry = z.union(
  [
    packageName,
    z.custom<PluginDefinition<unknown>>(isPluginDefinition),
    z.tuple([z.union([packageName, z.custom<PluginDefinition<unknown>>(isPluginDefinition)]), z.unknown()]),
    z.object({ package: packageName, options: z.unknown().optional() }),
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
    .object({
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
    .union([instanceOf<SipAdapter>('SIP adapter', (v) => isStartable(v) && 'incoming$' in v), sipSection])
    .optional(),
  media: z
    .union([
      instanceOf<MediaRelay>('media relay', (v) => isStartable(v) && typeof v.createSession === 'function'),
      mediaSection,
    ])
    .optional(),
  connectycube: z
    .union([
      instanceOf<Platform>('platform adapter', (v) => isStartable(v) && 'incoming$' in v),
      connectyCubeSection,
    ])
    .optional(),
  /** The local ConnectyCube-compatible sandbox: `auto` starts it when no ConnectyCube credentials are set. */
  sandbox: z
    .object({
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
export type SipAccountConfig = z.output<typeof sipAccountSchema>;

/** Type helper for `cubebridge.config.ts`: `export default defineConfig({ ... })`. */
export function defineConfig(config: GatewayConfigInput): GatewayConfigInput {
  return config;
}
