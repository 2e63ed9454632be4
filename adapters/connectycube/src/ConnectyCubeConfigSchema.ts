// The `connectycube` section of a config file, as this package owns it: application credentials, the identity
// mode with its users, endpoints and call timers. Unknown keys are errors and numbers must be numbers (the
// environment's CONNECTYCUBE_APP_ID is turned into one by the core). Without `appId` and `authKey` the
// gateway embeds the local sandbox. The gateway validates the section against this before `createFromConfig`.
import { z } from 'zod';

const loginCredentials = z.strictObject({ login: z.string().min(1), password: z.string().min(1) });
const emailCredentials = z.strictObject({ email: z.string().min(1), password: z.string().min(1) });
const credentials = z.union([loginCredentials, emailCredentials]);
const mirroredIdentity = z.union([
  loginCredentials.extend({ sip: z.string().min(1), displayName: z.string().optional() }),
  emailCredentials.extend({ sip: z.string().min(1), displayName: z.string().optional() }),
]);
const milliseconds = z.number().int('must be a whole number of milliseconds').positive();

export const configSchema = z.strictObject({
  appId: z.number({ error: 'must be a number' }).int('must be a whole number').positive().optional(),
  authKey: z.string().min(1).optional(),
  authSecret: z.string().optional(),
  accountKey: z.string().optional(),
  /** `gateway` (default): one ConnectyCube user for the gateway; `mirrored`: one per mapped SIP extension. */
  identity: z.enum(['gateway', 'mirrored']).optional(),
  /** The gateway identity's user (`identity: gateway`). */
  user: credentials.optional(),
  /** The mirrored users (`identity: mirrored`), and the user for SIP callers without one of their own. */
  users: z.array(mirroredIdentity).optional(),
  fallback: credentials.optional(),
  /** The full `identities` option of `connectycube()`; wins over `identity`, `user` and `users`. */
  identities: z
    .discriminatedUnion('mode', [
      z.strictObject({ mode: z.literal('gateway'), user: credentials }),
      z.strictObject({
        mode: z.literal('mirrored'),
        users: z.array(mirroredIdentity),
        fallback: credentials.optional(),
      }),
    ])
    .optional(),
  endpoints: z
    .strictObject({
      api: z.string().min(1, 'must be a host like api.connectycube.com or a URL').optional(),
      apiUrl: z.url({ error: 'must be a URL like https://api.connectycube.com' }).optional(),
      chat: z.string().min(1, 'must be a host like chat.connectycube.com or a URL').optional(),
      chatUrl: z.url({ error: 'must be a URL like wss://chat.connectycube.com:5291' }).optional(),
    })
    .optional(),
  dialingIntervalMs: milliseconds.optional(),
  answerTimeoutMs: milliseconds.optional(),
  gatheringTimeoutMs: milliseconds.optional(),
  reconnectDelayMs: milliseconds.optional(),
  keepaliveIntervalMs: milliseconds.optional(),
});

export type ConnectyCubeConfigSection = z.output<typeof configSchema>;
