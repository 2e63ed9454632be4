// @cubebridge/sip: the generic SIP adapter on sip.js (UDP, TCP, TLS and WebSocket; registration and trunk roles).
export { sipAdapter, SipUserAgentAdapter } from './SipUserAgentAdapter.ts';
export type {
  SipAccountOptions,
  SipAdapterOptions,
  SipTransportOptions,
  SipRateLimitOptions,
  SipTrunkOptions,
  SipTrunkSecurityOptions,
} from './SipAdapterOptions.ts';
export { defaultScannerUserAgents, securityLogMessage } from './roles/TrunkSecurity.ts';
export type { MessageLimits } from './transport/MessageGuard.ts';
export type { RetransmitTimers } from './transport/Retransmitter.ts';
export type { SipTlsOptions } from './transport/TcpTransport.ts';
export { type SipDnsOptions, SipResolveError } from './transport/SipResolver.ts';
export type { WebSocketTlsOptions } from './transport/WebSocketTlsTransport.ts';
export { SipCallError, SipOptionsError } from './errors.ts';
export { reasonForStatus, statusForReason } from './call/endReasons.ts';
export { default, accountFromConfig, optionsFromConfig } from './fromConfig.ts';
export {
  configSchema,
  sipAccountOptionsSchema,
  sipConfigAccountSchema,
  sipTrunkOptionsSchema,
  type SipConfigAccount,
  type SipConfigSection,
} from './SipConfigSchema.ts';
