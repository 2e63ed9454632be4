// The `sip` section of a config file, as this package owns it: every key `SipAdapterOptions` has, plus the
// seed's single-account keys (SIP_DOMAIN, SIP_USERNAME, SIP_PASSWORD, SIP_SERVER) and accounts written the
// seed's way (`username`, `domain`, `server: 'udp://pbx:5060'`). Unknown keys are errors at any depth, and
// numbers must be numbers. The gateway validates the section against this before `createFromConfig` sees it.
import { z } from 'zod';

const seconds = (what: string) => z.number().int(`${what} must be a whole number of seconds`).min(0);
const milliseconds = z.number().int('must be a whole number of milliseconds').positive();
const count = z.number().int('must be a whole number').positive();
const port = z
  .number({ error: 'must be a port number (0 to 65535; 0 picks a free port)' })
  .int('must be a whole number')
  .min(0, 'must be 0 to 65535')
  .max(65535, 'must be 0 to 65535');
const sipUri = z.string().regex(/^sips?:[^\s]+$/, 'must be a SIP URI like sip:pbx.example.com');

const tls = z.strictObject({
  cert: z.string().optional(),
  key: z.string().optional(),
  ca: z.string().optional(),
  rejectUnauthorized: z.boolean().optional(),
  requestClientCertificate: z.boolean().optional(),
});

const webSocketTls = z.strictObject({
  ca: z.string().optional(),
  cert: z.string().optional(),
  key: z.string().optional(),
  rejectUnauthorized: z.boolean().optional(),
});

const socketBinding = {
  bindHost: z.string().min(1).optional(),
  bindPort: port.optional(),
  advertisedHost: z.string().min(1).optional(),
};

const transport = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('udp'), ...socketBinding }),
  z.strictObject({ kind: z.literal('tcp'), ...socketBinding }),
  z.strictObject({ kind: z.literal('tls'), tls, ...socketBinding }),
  z.strictObject({
    kind: z.literal('ws'),
    server: z.string().regex(/^wss?:\/\/[^\s]+$/, 'must be a URL like wss://pbx.example.com/ws'),
    tls: webSocketTls.optional(),
  }),
]);

/** An account as `SipAccountOptions` has it: an address of record and the adapter's own transport options. */
export const sipAccountOptionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  aor: sipUri,
  transport: transport.optional(),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  ha1: z
    .string()
    .regex(/^[0-9a-f]{32}$/i, 'must be 32 hex digits')
    .optional(),
  registrar: sipUri.optional(),
  proxy: sipUri.optional(),
  register: z.boolean().optional(),
  expiresSec: z.number().int().min(60, 'must be at least 60 seconds').optional(),
  keepaliveSec: seconds('keepaliveSec').optional(),
  retry: z.strictObject({ initialMs: milliseconds.optional(), maxMs: milliseconds.optional() }).optional(),
});

/** An account written the seed's way: user, domain and a server URL; `accountFromConfig` turns it into the above. */
export const sipConfigAccountSchema = z.strictObject({
  /** A name for logs and `registration.*` events; default the username. */
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

const rateLimit = z.strictObject({
  requests: count.optional(),
  windowSec: count.optional(),
  blockSec: count.optional(),
  answer: z.enum(['drop', 'reject']).optional(),
  maxSources: count.optional(),
});

export const sipTrunkOptionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  listen: z.strictObject({
    host: z.string({ error: 'is required: the address to listen on, e.g. 0.0.0.0' }).min(1),
    port,
  }),
  transport: z.enum(['udp', 'tcp', 'tls']).optional(),
  tls: tls.optional(),
  advertisedHost: z.string().min(1).optional(),
  allowFrom: z.array(z.string().min(1, 'must be a CIDR like 10.0.0.0/8')).optional(),
  disallowed: z.enum(['reject', 'drop']).optional(),
  auth: z
    .strictObject({
      realm: z.string().min(1),
      users: z.record(z.string(), z.union([z.string(), z.strictObject({ ha1: z.string() })])),
      nonceTtlSec: count.optional(),
    })
    .optional(),
  user: z.string().min(1).optional(),
  security: z
    .strictObject({
      rateLimit: z.union([z.literal(false), rateLimit]).optional(),
      scannerUserAgents: z.array(z.string()).optional(),
    })
    .optional(),
});

/** The options of `SipUserAgentAdapter` other than `accounts`, as a config file may give them. */
export const sipAdapterOptionsShape = {
  trunk: sipTrunkOptionsSchema.optional(),
  limits: z
    .strictObject({
      maxMessageBytes: count.optional(),
      maxHeaderBytes: count.optional(),
      maxHeaders: count.optional(),
    })
    .optional(),
  timers: z.strictObject({ t1Ms: milliseconds.optional(), t2Ms: milliseconds.optional() }).optional(),
  sessionTimerSec: seconds('sessionTimerSec').optional(),
  minSessionExpiresSec: count.optional(),
  dns: z
    .strictObject({
      servers: z.array(z.string().min(1)).optional(),
      timeoutMs: milliseconds.optional(),
      tries: count.optional(),
      cache: z.boolean().optional(),
      srvCacheSec: count.optional(),
      maxCacheSec: count.optional(),
    })
    .optional(),
  connectionIdleTimeoutSec: seconds('connectionIdleTimeoutSec').optional(),
  noAnswerTimeoutSec: count.optional(),
  userAgentString: z.string().min(1).optional(),
};

export const configSchema = z
  .strictObject({
    accounts: z.array(z.union([sipConfigAccountSchema, sipAccountOptionsSchema])).default([]),
    /** The seed's single account (SIP_DOMAIN, SIP_USERNAME, SIP_PASSWORD, SIP_SERVER); becomes `accounts[0]`. */
    domain: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    server: sipConfigAccountSchema.shape.server,
    ...sipAdapterOptionsShape,
  })
  .superRefine((section, context) => {
    if (section.username !== undefined && section.domain === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['domain'],
        message: 'is required when sip.username is set (SIP_DOMAIN, e.g. pbx.example.com)',
      });
    }
  });

export type SipConfigSection = z.output<typeof configSchema>;
export type SipConfigAccount = z.output<typeof sipConfigAccountSchema>;
