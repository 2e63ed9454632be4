// The `media` section of a config file, as this package owns it: the options of `weriftRelay()`. Unknown keys
// are errors and numbers must be numbers; the gateway validates the section against this before
// `createFromConfig` sees it, and `createFromConfig` checks again when called directly.
import { z } from 'zod';
import type { WeriftRelayOptions } from './WeriftRelayOptions.ts';

const address = z.string().min(1, 'must be an IP address');
const milliseconds = z.number().int('must be a whole number of milliseconds').min(0);
const portRange = z
  .tuple(
    [
      z.number().int().min(1, 'must be 1 to 65535').max(65535, 'must be 1 to 65535'),
      z.number().int().min(1, 'must be 1 to 65535').max(65535, 'must be 1 to 65535'),
    ],
    { error: 'must be a [low, high] port range' },
  )
  .refine(([low, high]) => low < high, { error: 'must be a [low, high] port range, low below high' });

export const configSchema = z.strictObject({
  bindAddress: address.optional(),
  advertisedAddress: z.string().min(1, 'must be an IP address or host name').optional(),
  rtpPorts: portRange.optional(),
  iceServers: z
    .array(
      z.strictObject({
        urls: z.string().min(1, 'must be a STUN or TURN URL'),
        username: z.string().optional(),
        credential: z.string().optional(),
      }),
    )
    .optional(),
  iceHostAddresses: z.array(address).optional(),
  icePortRange: portRange.optional(),
  iceLite: z.boolean().optional(),
  audioCodecs: z.array(z.enum(['opus', 'G722', 'PCMU', 'PCMA'])).optional(),
  videoCodecs: z.array(z.enum(['VP8', 'H264', 'VP9'])).optional(),
  ptimeMs: milliseconds.optional(),
  srtp: z.enum(['off', 'optional', 'required']).optional(),
  rtcpIntervalMs: milliseconds.optional(),
  statsIntervalMs: milliseconds.optional(),
  mediaTimeoutMs: milliseconds.optional(),
}) satisfies z.ZodType<WeriftRelayOptions>;
