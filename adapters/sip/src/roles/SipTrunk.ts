// The trunk role: listen on UDP and take INVITEs from allowed sources (CIDR allow-list, optional digest
// challenge); others get 403 or silence. Rate limits and scanner blocking (TrunkSecurity) come first. Calls
// can also be placed through it, straight to the Request-URI.
import { BlockList, isIPv6 } from 'node:net';
import { UserAgent } from 'sip.js';
import { SipOptionsError } from '../errors.ts';
import type { SipTrunkOptions } from '../SipAdapterOptions.ts';
import type { SipWireMessage } from '../transport/SipWireMessage.ts';
import type { SipTlsOptions } from '../transport/TcpTransport.ts';
import type { SipRoleContext } from './SipAccount.ts';
import { TrunkDigestAuth } from './TrunkDigestAuth.ts';
import { TrunkSecurity } from './TrunkSecurity.ts';
import { userAgentOptions, watchConnectionUse } from './userAgentOptions.ts';

export class SipTrunk {
  readonly name: string;
  readonly userAgent: UserAgent;
  readonly transportKind: 'udp' | 'tcp' | 'tls';

  constructor(options: SipTrunkOptions, role: SipRoleContext) {
    this.name = options.name ?? 'trunk';
    this.transportKind = options.transport ?? 'udp';
    const user = options.user ?? 'cubebridge';
    const host = options.advertisedHost ?? options.listen.host;
    const allowFrom = options.allowFrom?.length ? blockListOf(options.allowFrom) : undefined;
    const auth = options.auth ? new TrunkDigestAuth(options.auth) : undefined;
    const logger = role.logger.child({ trunk: this.name });
    // Asked only about requests, so once the user agent exists.
    const security = new TrunkSecurity(options.security, logger, (id) =>
      Object.hasOwn(this.userAgent._sessions, id),
    );
    this.userAgent = new UserAgent(
      userAgentOptions({
        uri: `sip:${user}@${isIPv6(host) ? `[${host}]` : host}`,
        contactUser: user,
        transport:
          options.transport === 'tls'
            ? {
                kind: 'tls',
                tls: tlsOf(options),
                bindHost: options.listen.host,
                bindPort: options.listen.port,
                advertisedHost: host,
              }
            : {
                kind: options.transport ?? 'udp',
                bindHost: options.listen.host,
                bindPort: options.listen.port,
                advertisedHost: host,
              },
        timers: role.timers,
        wire: {
          ...role.wire,
          acceptAnyRequestUser: user,
          security,
          ...(allowFrom ? { allowFrom, disallowed: options.disallowed ?? 'reject' } : {}),
          ...(auth ? { authenticate: (message: SipWireMessage) => auth.check(message) } : {}),
        },
        logger,
        bindings: role.bindings,
        noAnswerTimeoutSec: role.noAnswerTimeoutSec,
        idleTimeoutSec: role.idleTimeoutSec,
        userAgentString: role.userAgentString,
        onInvite: (invitation) => role.onInvite(invitation, { kind: 'trunk', name: this.name }),
      }),
    );
    watchConnectionUse(this.userAgent);
  }

  async start(): Promise<void> {
    await this.userAgent.start();
  }

  async stop(): Promise<void> {
    await this.userAgent.stop();
  }
}

function tlsOf(options: SipTrunkOptions): SipTlsOptions {
  if (!options.tls?.cert || !options.tls.key)
    throw new SipOptionsError('trunk.tls: a TLS trunk needs `cert` and `key`');
  return options.tls;
}

/** `10.0.0.0/8`, `::1/128` or a bare address. */
function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefixText] = cidr.split('/');
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    const prefix = prefixText === undefined ? (family === 'ipv6' ? 128 : 32) : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv6' ? 128 : 32)) {
      throw new SipOptionsError(`trunk.allowFrom: '${cidr}' is not a CIDR`);
    }
    try {
      list.addSubnet(address, prefix, family);
    } catch {
      throw new SipOptionsError(`trunk.allowFrom: '${cidr}' is not a CIDR`);
    }
  }
  return list;
}
