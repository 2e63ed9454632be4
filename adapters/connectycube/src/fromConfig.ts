// The adapter as the gateway's config loader creates it, from the `connectycube` section of a config file:
// `{ adapter: '@cubebridge/connectycube', appId, authKey, identity, user | users, endpoints: { api, chat } }`.
import type { AdapterFactoryContext, Platform } from '@cubebridge/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectyCubePlatform } from './ConnectyCubePlatform.ts';
import { SandboxedPlatform } from './SandboxedPlatform.ts';
import type { ConnectyCubeEndpoints, ConnectyCubeOptions, IdentityOptions } from './ConnectyCubeOptions.ts';

/**
 * Maps the config section to `connectycube()` options. `endpoints.api` and `endpoints.chat` may be URLs
 * (`http://127.0.0.1:18080`, `ws://127.0.0.1:18080/ws`) or host names (`api.connectycube.com`); `identity`
 * (`gateway`, the default, or `mirrored`) picks `user` or `users` (+ `fallback`); a full `identities` object wins.
 */
export function optionsFromConfig(section: Readonly<Record<string, unknown>>): ConnectyCubeOptions {
  const { identity, identities, user, users, fallback, endpoints, ...rest } = section as Record<
    string,
    unknown
  > & {
    endpoints?: Record<string, string | undefined>;
  };
  const chosen: IdentityOptions =
    typeof identities === 'object' && identities !== null
      ? (identities as IdentityOptions)
      : identity === 'mirrored'
        ? ({ mode: 'mirrored', users, ...(fallback ? { fallback } : {}) } as IdentityOptions)
        : ({ mode: 'gateway', user } as IdentityOptions);
  return {
    ...(rest as Omit<ConnectyCubeOptions, 'identities' | 'endpoints'>),
    identities: chosen,
    ...(endpoints ? { endpoints: endpointsFromConfig(endpoints) } : {}),
  };
}

function endpointsFromConfig(endpoints: Record<string, string | undefined>): ConnectyCubeEndpoints {
  const { api, chat, apiUrl, chatUrl } = endpoints;
  const apiIsUrl = api !== undefined && /^https?:\/\//i.test(api);
  const chatIsUrl = chat !== undefined && /^wss?:\/\//i.test(chat);
  return {
    ...(api && !apiIsUrl ? { api } : {}),
    ...((apiUrl ?? (apiIsUrl ? api : undefined)) ? { apiUrl: apiUrl ?? api } : {}),
    ...(chat && !chatIsUrl ? { chat } : {}),
    ...((chatUrl ?? (chatIsUrl ? chat : undefined)) ? { chatUrl: chatUrl ?? chat } : {}),
  };
}

/**
 * The package's default export, called by the gateway's adapter loader with the config section. Without an app
 * id and auth key it embeds the local sandbox (unless the gateway's `sandbox.enabled` is `off`), serving the
 * web softphone from the project's `examples/web-softphone` or `sandbox.softphone`.
 */
export default function createFromConfig(
  section: Readonly<Record<string, unknown>>,
  context?: AdapterFactoryContext,
): Platform {
  const hasCredentials = section.appId !== undefined && section.authKey !== undefined;
  const sandbox = context?.config.sandbox;
  const useSandbox = sandbox?.enabled === 'on' || (sandbox?.enabled !== 'off' && !hasCredentials);
  if (!useSandbox) return new ConnectyCubePlatform(optionsFromConfig(section));
  const softphoneDir =
    sandbox?.softphone ?? (context && join(context.projectDir, 'examples', 'web-softphone'));
  const { dialingIntervalMs, answerTimeoutMs, gatheringTimeoutMs, reconnectDelayMs } = section as Record<
    string,
    number | undefined
  >;
  return new SandboxedPlatform({
    port: sandbox?.port ?? 0,
    ...(softphoneDir && existsSync(join(softphoneDir, 'index.html')) ? { softphoneDir } : {}),
    adapter: Object.fromEntries(
      Object.entries({ dialingIntervalMs, answerTimeoutMs, gatheringTimeoutMs, reconnectDelayMs }).filter(
        ([, value]) => value !== undefined,
      ),
    ),
  });
}
