// The relay as the gateway's config loader creates it, from the `media` section of a config file:
// `{ adapter: '@cubebridge/media-werift', bindAddress, advertisedAddress, rtpPorts: [10000, 20000], srtp, ... }`.

import { type AdapterFactoryContext, describeIssues, type MediaRelay } from '@cubebridge/core';
import { MediaConfigError } from './errors.ts';
import { configSchema } from './WeriftConfigSchema.ts';
import { type WeriftRelay, weriftRelay } from './WeriftRelay.ts';
import type { WeriftRelayOptions } from './WeriftRelayOptions.ts';

/** Checks a config section (with or without its `adapter` key) against `configSchema`, naming each wrong key. */
export function optionsFromConfig(section: Readonly<Record<string, unknown>>): WeriftRelayOptions {
  const { adapter: _adapter, ...options } = section;
  const result = configSchema.safeParse(options);
  if (!result.success) {
    throw new MediaConfigError(
      describeIssues(result.error.issues, { schema: configSchema, input: options, prefix: ['media'] }),
    );
  }
  return result.data;
}

/** The package's default export: what `cubebridge start` calls for a `media` section naming this package. */
export default function createFromConfig(
  section: Readonly<Record<string, unknown>>,
  _context?: AdapterFactoryContext,
): WeriftRelay & MediaRelay {
  return weriftRelay(optionsFromConfig(section));
}
