// The relay as the gateway's config loader creates it, from the `media` section of a config file:
// `{ adapter: '@cubebridge/media-werift', bindAddress, advertisedAddress, rtpPorts: [10000, 20000], srtp, ... }`.

import type { AdapterFactoryContext, MediaRelay } from '@cubebridge/core';
import { MediaConfigError } from './errors.ts';
import { type WeriftRelay, weriftRelay } from './WeriftRelay.ts';
import type { WeriftRelayOptions } from './WeriftRelayOptions.ts';

type Check = (value: unknown) => boolean;

const isString: Check = (value) => typeof value === 'string' && value.length > 0;
const isStrings: Check = (value) => Array.isArray(value) && value.every(isString);
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isBoolean: Check = (value) => typeof value === 'boolean';
const isPortRange: Check = (value) =>
  Array.isArray(value) &&
  value.length === 2 &&
  value.every((port) => Number.isInteger(port) && port > 0 && port < 65536) &&
  (value[0] as number) < (value[1] as number);
const oneOf =
  (...allowed: string[]): Check =>
  (value) =>
    typeof value === 'string' && allowed.includes(value);
const isIceServers: Check = (value) =>
  Array.isArray(value) &&
  value.every(
    (server) =>
      typeof server === 'object' && server !== null && isString((server as { urls?: unknown }).urls),
  );
const isListOf =
  (...allowed: string[]): Check =>
  (value) =>
    Array.isArray(value) && value.every((entry) => typeof entry === 'string' && allowed.includes(entry));

/** Every option, with the check it must pass and how to say what is allowed. */
const OPTIONS: Record<keyof WeriftRelayOptions, [Check, string]> = {
  bindAddress: [isString, 'an IP address'],
  advertisedAddress: [isString, 'an IP address or host name'],
  rtpPorts: [isPortRange, 'a [low, high] port range'],
  iceServers: [isIceServers, 'a list of { urls, username?, credential? }'],
  iceHostAddresses: [isStrings, 'a list of IP addresses'],
  icePortRange: [isPortRange, 'a [low, high] port range'],
  iceLite: [isBoolean, 'true or false'],
  audioCodecs: [isListOf('opus', 'G722', 'PCMU', 'PCMA'), "a list of 'opus', 'G722', 'PCMU', 'PCMA'"],
  videoCodecs: [isListOf('VP8', 'H264', 'VP9'), "a list of 'VP8', 'H264', 'VP9'"],
  ptimeMs: [isNumber, 'milliseconds'],
  srtp: [oneOf('off', 'optional', 'required'), "'off', 'optional' or 'required'"],
  rtcpIntervalMs: [isNumber, 'milliseconds'],
  statsIntervalMs: [isNumber, 'milliseconds'],
  mediaTimeoutMs: [isNumber, 'milliseconds'],
};

/** Checks a config section and names the key, what was found and what is allowed when something is wrong. */
export function optionsFromConfig(section: Readonly<Record<string, unknown>>): WeriftRelayOptions {
  for (const [key, value] of Object.entries(section)) {
    if (key === 'adapter') continue;
    const option = OPTIONS[key as keyof WeriftRelayOptions];
    if (!option)
      throw new MediaConfigError(
        `media.${key}`,
        value,
        `one of the options ${Object.keys(OPTIONS).join(', ')}`,
      );
    const [check, allowed] = option;
    if (value !== undefined && !check(value)) throw new MediaConfigError(`media.${key}`, value, allowed);
  }
  const { adapter: _adapter, ...options } = section;
  return options as WeriftRelayOptions;
}

/** The package's default export: what `cubebridge start` calls for a `media` section naming this package. */
export default function createFromConfig(
  section: Readonly<Record<string, unknown>>,
  _context?: AdapterFactoryContext,
): WeriftRelay & MediaRelay {
  return weriftRelay(optionsFromConfig(section));
}
