// Builds sip.js UserAgent options for one role (account or trunk) over UDP or WebSocket, so both roles
// share one place where transports, logging and the media SDH are wired.
import { randomBytes } from 'node:crypto';
import type { Logger } from '@cubebridge/core';
import {
  type Invitation,
  type LogLevel,
  SIPExtension,
  type URI,
  UserAgent,
  type UserAgentOptions,
  Web,
} from 'sip.js';
import { SipOptionsError } from '../errors.ts';
import type { MediaBindings } from '../call/MediaEndpointSdh.ts';
import { installFastGrammar } from '../parsing/installFastGrammar.ts';
import type { SipTransportOptions } from '../SipAdapterOptions.ts';
import type { RetransmitTimers } from '../transport/Retransmitter.ts';
import type { SipWireOptions } from '../transport/SipWireCodec.ts';
import { TcpTransport, type TcpTransportOptions } from '../transport/TcpTransport.ts';
import { UdpTransport, type UdpTransportOptions } from '../transport/UdpTransport.ts';
import { WebSocketTlsTransport } from '../transport/WebSocketTlsTransport.ts';

export interface UserAgentBase {
  readonly uri: string;
  readonly contactUser: string;
  readonly transport: SipTransportOptions;
  /** Guard, allow-list and trunk settings for our UDP/TCP transports. */
  readonly wire?: Partial<SipWireOptions>;
  readonly timers?: RetransmitTimers | undefined;
  readonly routeSet?: readonly string[];
  readonly auth?: {
    readonly username: string;
    readonly password?: string | undefined;
    readonly ha1?: string | undefined;
  };
  readonly logger: Logger;
  readonly bindings: MediaBindings;
  readonly noAnswerTimeoutSec: number;
  /** CRLF keepalive on TCP and WebSocket connections; 0 turns it off. */
  readonly keepaliveSec?: number;
  /** TCP/TLS: close connections without a SIP message for this long, unless in use; 0 never. */
  readonly idleTimeoutSec?: number;
  readonly userAgentString: string | undefined;
  readonly onInvite: (invitation: Invitation) => void;
}

// Every user agent parses every message with sip.js's grammar: put the fast readers in front of it, once.
installFastGrammar();

export function userAgentOptions(base: UserAgentBase): UserAgentOptions {
  // sip.js writes this placeholder into Via and Contact; the UDP transport swaps in the real address.
  const viaHost = `cb${randomBytes(6).toString('hex')}.invalid`;
  const socketOptions =
    base.transport.kind === 'ws'
      ? undefined
      : {
          viaHost,
          bindHost: base.transport.bindHost ?? '127.0.0.1',
          bindPort: base.transport.bindPort ?? 0,
          advertisedHost: base.transport.advertisedHost,
          ...base.wire,
        };
  const transport =
    base.transport.kind === 'udp'
      ? {
          transportConstructor: UdpTransport,
          transportOptions: { ...socketOptions, timers: base.timers } as UdpTransportOptions,
          contactParams: { transport: 'udp' },
          forceRport: true,
        }
      : base.transport.kind === 'tcp' || base.transport.kind === 'tls'
        ? {
            transportConstructor: TcpTransport,
            transportOptions: {
              ...socketOptions,
              keepaliveIntervalMs: (base.keepaliveSec ?? 30) * 1000,
              idleTimeoutMs: (base.idleTimeoutSec ?? 120) * 1000,
              tls: base.transport.kind === 'tls' ? base.transport.tls : undefined,
            } as TcpTransportOptions,
            contactParams: { transport: base.transport.kind },
            forceRport: true,
          }
        : {
            // Node's WebSocket takes no TLS options: with `tls`, a `ws` WebSocket (see the transport's file).
            transportConstructor: base.transport.tls ? WebSocketTlsTransport : Web.Transport,
            transportOptions: {
              server: base.transport.server,
              traceSip: false,
              ...(base.keepaliveSec ? { keepAliveInterval: base.keepaliveSec } : {}),
              ...(base.transport.tls ? { tls: base.transport.tls } : {}),
            },
            contactParams: { transport: 'ws' },
          };
  return {
    uri: sipUri(base.uri),
    ...transport,
    viaHost,
    contactName: base.contactUser,
    preloadedRouteSet: [...(base.routeSet ?? [])],
    authorizationUsername: base.auth?.username,
    authorizationPassword: base.auth?.password,
    authorizationHa1: base.auth?.ha1,
    noAnswerTimeout: base.noAnswerTimeoutSec,
    // RFC 3262: `Supported: 100rel` in our INVITEs and responses, so far ends may send reliable 18x (PRACKed by
    // sip.js); callers that require it get reliable 18x, callers that only support it unreliable ones
    // (reliableProvisional.ts).
    sipExtension100rel: SIPExtension.Supported,
    userAgentString: base.userAgentString,
    logBuiltinEnabled: false,
    // sip.js's debug output includes whole messages (digest responses, never passwords): trace level only.
    logLevel: base.logger.isLevelEnabled('trace') ? 'debug' : 'warn',
    logConnector: (level: LogLevel, category: string, _label: string | undefined, content: string) => {
      if (level === 'error') base.logger.error({ category }, content);
      else if (level === 'warn') base.logger.warn({ category }, content);
      else base.logger.trace({ category }, content);
    },
    sessionDescriptionHandlerFactory: base.bindings.factory,
    delegate: { onInvite: base.onInvite },
  };
}

/**
 * Lets the TCP/TLS idle timeout see what the user agent still uses: a Call-ID belongs to a live session
 * (early or confirmed) or to a registration. sip.js keys both by Call-ID + From tag.
 */
export function watchConnectionUse(userAgent: UserAgent): void {
  const transport = userAgent.transport;
  if (!(transport instanceof TcpTransport)) return;
  transport.connectionInUse = (callId) =>
    [...Object.keys(userAgent._sessions), ...Object.keys(userAgent._registerers)].some((id) =>
      id.startsWith(callId),
    );
}

/** Parses a SIP URI option, failing with the option's value in the message. */
export function sipUri(value: string): URI {
  const uri = UserAgent.makeURI(value);
  if (!uri) throw new SipOptionsError(`'${value}' is not a SIP URI`);
  return uri;
}
