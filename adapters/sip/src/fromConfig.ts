// The adapter as the gateway's config loader creates it, from the `sip` section of a config file or the seed's
// environment (SIP_DOMAIN, SIP_USERNAME, SIP_PASSWORD, SIP_SERVER), once the section passed `configSchema`: the
// seed's single account becomes the first account, seed-style accounts become adapter accounts, every other key
// (`trunk`, `limits`, `timers`, `sessionTimerSec`, …) passes through as adapter options.
import type { AdapterFactoryContext } from '@cubebridge/core';
import type { SipConfigAccount } from './SipConfigSchema.ts';
import type { SipAccountOptions, SipAdapterOptions, SipTransportOptions } from './SipAdapterOptions.ts';
import { SipOptionsError } from './errors.ts';
import { SipUserAgentAdapter } from './SipUserAgentAdapter.ts';

/** `udp://pbx.example.com:5060` → UDP to that registrar; `ws(s)://…` → sip.js's WebSocket transport. */
export function accountFromConfig(account: SipConfigAccount | SipAccountOptions): SipAccountOptions {
  if ('aor' in account) return account;
  const server = account.server;
  const scheme = server?.split('://')[0];
  const hostPort = server?.split('://')[1]?.replace(/\/.*$/, '');
  const transport: SipTransportOptions =
    scheme === 'ws' || scheme === 'wss'
      ? { kind: 'ws', server: server! }
      : scheme === 'tcp'
        ? { kind: 'tcp' }
        : scheme === 'tls'
          ? { kind: 'tls', tls: {} }
          : { kind: 'udp' };
  const registrar =
    hostPort && transport.kind !== 'ws'
      ? `sip:${hostPort}${transport.kind === 'udp' ? '' : `;transport=${transport.kind}`}`
      : undefined;
  return {
    name: account.name ?? account.username,
    aor: `sip:${account.username}@${account.domain}`,
    transport,
    ...(account.authorizationUsername ? { username: account.authorizationUsername } : {}),
    ...(account.password !== undefined ? { password: account.password } : {}),
    ...(account.ha1 !== undefined ? { ha1: account.ha1 } : {}),
    ...(registrar ? { registrar } : {}),
    ...(account.expiresSec !== undefined ? { expiresSec: account.expiresSec } : {}),
  };
}

export function optionsFromConfig(section: Readonly<Record<string, unknown>>): SipAdapterOptions {
  const { accounts, domain, username, password, server, ...rest } = section;
  if (accounts !== undefined && !Array.isArray(accounts))
    throw new SipOptionsError('sip.accounts must be a list');
  const listed = (accounts as (SipConfigAccount | SipAccountOptions)[] | undefined) ?? [];
  return {
    ...(rest as Omit<SipAdapterOptions, 'accounts'>),
    accounts: [...seedAccount(listed, { domain, username, password, server }), ...listed].map(
      accountFromConfig,
    ),
  };
}

/** The seed's single account (SIP_USERNAME@SIP_DOMAIN), unless the list already has it. */
function seedAccount(
  listed: readonly (SipConfigAccount | SipAccountOptions)[],
  seed: Readonly<Record<'domain' | 'username' | 'password' | 'server', unknown>>,
): SipConfigAccount[] {
  const { domain, username, password, server } = seed;
  if (typeof username !== 'string') return [];
  if (typeof domain !== 'string')
    throw new SipOptionsError('sip.domain is required when sip.username is set (SIP_DOMAIN)');
  const listedAlready = listed.some(
    (account) =>
      'username' in account &&
      account.username === username &&
      'domain' in account &&
      account.domain === domain,
  );
  if (listedAlready) return [];
  return [
    {
      username,
      domain,
      ...(typeof password === 'string' ? { password } : {}),
      ...(typeof server === 'string' ? { server } : {}),
    },
  ];
}

/** The package's default export, called by the gateway's adapter loader with the config section. */
export default function createFromConfig(
  section: Readonly<Record<string, unknown>>,
  _context?: AdapterFactoryContext,
): SipUserAgentAdapter {
  return new SipUserAgentAdapter(optionsFromConfig(section));
}
