// The adapter as the gateway's config loader creates it, from the `sip` section of a config file or the seed's
// environment (SIP_DOMAIN, SIP_USERNAME, SIP_PASSWORD, SIP_SERVER): core-style accounts become adapter accounts,
// every other key (`trunk`, `limits`, `timers`, `sessionTimerSec`, …) passes through as adapter options.
import type { AdapterFactoryContext, SipAccountConfig } from '@cubebridge/core';
import type { SipAccountOptions, SipAdapterOptions, SipTransportOptions } from './SipAdapterOptions.ts';
import { SipOptionsError } from './errors.ts';
import { SipUserAgentAdapter } from './SipUserAgentAdapter.ts';

/** `udp://pbx.example.com:5060` → UDP to that registrar; `ws(s)://…` → sip.js's WebSocket transport. */
export function accountFromConfig(account: SipAccountConfig | SipAccountOptions): SipAccountOptions {
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
  // The seed's single-account keys were already folded into `accounts` by the core.
  const {
    accounts,
    domain: _domain,
    username: _username,
    password: _password,
    server: _server,
    ...rest
  } = section;
  if (accounts !== undefined && !Array.isArray(accounts))
    throw new SipOptionsError('sip.accounts must be a list');
  return {
    ...(rest as Omit<SipAdapterOptions, 'accounts'>),
    accounts: ((accounts as (SipAccountConfig | SipAccountOptions)[] | undefined) ?? []).map(
      accountFromConfig,
    ),
  };
}

/** The package's default export, called by the gateway's adapter loader with the config section. */
export default function createFromConfig(
  section: Readonly<Record<string, unknown>>,
  _context?: AdapterFactoryContext,
): SipUserAgentAdapter {
  return new SipUserAgentAdapter(optionsFromConfig(section));
}
