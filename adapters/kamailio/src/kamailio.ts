// The Kamailio profile: the SIP adapter with defaults for Kamailio as registrar and proxy
// (WebSocket on 8080, UDP on 5060), for the kamailio.cfg shipped with this package.
import type { SipAdapter } from '@cubebridge/core';
import { type SipAccountOptions, type SipAdapterOptions, sipAdapter } from '@cubebridge/sip';

export interface KamailioAccount {
  /** User part of the AoR (`1001` for `sip:1001@<domain>`). */
  readonly user: string;
  readonly password?: string;
  readonly ha1?: string;
  /** Name in events; defaults to `user`. */
  readonly name?: string;
}

export interface KamailioOptions {
  /** Kamailio's address (IP or DNS name). */
  readonly host: string;
  /** SIP domain of the accounts; defaults to `host`. */
  readonly domain?: string;
  /** How the gateway talks to Kamailio: `ws` (default, port 8080) or `udp` (port 5060). */
  readonly transport?: 'ws' | 'udp';
  readonly wsPort?: number;
  readonly udpPort?: number;
  /** Use `wss://` instead of `ws://` (Kamailio's tls module must serve it). */
  readonly secure?: boolean;
  readonly accounts: readonly KamailioAccount[];
  /** Registration lifetime asked of Kamailio, seconds (default 600). */
  readonly expiresSec?: number;
  /** Anything else of the generic adapter (trunk, limits, timers). */
  readonly sip?: Omit<SipAdapterOptions, 'accounts'>;
}

export const kamailioDefaults = { wsPort: 8080, udpPort: 5060, transport: 'ws' } as const;

/** The generic adapter's options for these Kamailio settings (exposed for inspection and tests). */
export function kamailioAdapterOptions(options: KamailioOptions): SipAdapterOptions {
  const transport = options.transport ?? kamailioDefaults.transport;
  const udpPort = options.udpPort ?? kamailioDefaults.udpPort;
  const wsPort = options.wsPort ?? kamailioDefaults.wsPort;
  const domain = options.domain ?? options.host;
  const accounts = options.accounts.map(
    (account): SipAccountOptions => ({
      aor: `sip:${account.user}@${domain}`,
      ...(account.name === undefined ? {} : { name: account.name }),
      ...(account.password === undefined ? {} : { password: account.password }),
      ...(account.ha1 === undefined ? {} : { ha1: account.ha1 }),
      expiresSec: options.expiresSec ?? 600,
      ...(transport === 'udp'
        ? { transport: { kind: 'udp' }, registrar: `sip:${options.host}:${udpPort}` }
        : {
            transport: { kind: 'ws', server: `${options.secure ? 'wss' : 'ws'}://${options.host}:${wsPort}` },
          }),
    }),
  );
  return { ...options.sip, accounts };
}

/** `sip: kamailio({ host: 'sip.example.com', accounts: [{ user: '1001', password }] })` in a gateway config. */
export function kamailio(options: KamailioOptions): SipAdapter {
  return sipAdapter(kamailioAdapterOptions(options));
}
