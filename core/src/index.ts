// @cubebridge/core — the public surface. Adapters and plugins import only from here.
import 'reflect-metadata';

export type * from './ports/common.ts';
export type * from './ports/MediaRelay.ts';
export type * from './ports/SipAdapter.ts';
export type * from './ports/Platform.ts';
export type * from './ports/CallJournal.ts';
export { FileCallJournal } from './calls/FileCallJournal.ts';
export { endOrphanedCalls } from './calls/endOrphanedCalls.ts';
export type * from './events/GatewayEvent.ts';
export type * from './hooks/HookTypes.ts';
export type { Logger } from './logging/Logger.ts';

export { type CallState, callTransitions, canTransition, terminalCallStates } from './calls/CallState.ts';
export { Call, type CallDirection, type CallInit, type CallOwner, type CallSide } from './calls/Call.ts';
export { CallRegistry } from './calls/CallRegistry.ts';
export {
  callViewOf,
  callsViewOf,
  type CallMediaView,
  type CallView,
  type CallsView,
} from './calls/CallView.ts';
export { EventBus } from './events/EventBus.ts';
export { IsolatedObservable } from './events/IsolatedObservable.ts';
export { ofType } from './events/ofType.ts';
export { Hook, type HookHandler, type HookHandlerOptions, type HookOutcome } from './hooks/Hook.ts';
export { Hooks } from './hooks/Hooks.ts';
export { HttpServer, type HttpRoutes, type HealthReport } from './http/HttpServer.ts';
export {
  createLogger,
  componentLogger,
  type LogFormat,
  type LogLevel,
  type LoggerOptions,
} from './logging/createLogger.ts';
export {
  defineConfig,
  gatewayConfigSchema,
  type GatewayConfig,
  type GatewayConfigInput,
} from './config/schema.ts';
export { checkConfig, type CheckConfigOptions, type CheckedConfig } from './config/checkConfig.ts';
export { closestKey } from './config/closestKey.ts';
export { describeIssues, type IssueContext } from './config/describeIssues.ts';
export {
  loadConfig,
  validateConfig,
  configFileNames,
  type LoadConfigOptions,
  type LoadedConfig,
} from './config/loadConfig.ts';
export { environmentKeys, parseMappings } from './config/environment.ts';
export { isSecretKey, redactSecrets, redacted } from './config/secrets.ts';
export {
  definePlugin,
  isPluginDefinition,
  type PluginContext,
  type PluginDefinition,
  type PluginHooks,
  type PluginHttp,
  type PluginSpec,
  type PluginUse,
  type Teardown,
} from './plugins/Plugin.ts';
export type { StandardSchemaV1 } from './plugins/StandardSchema.ts';
export { importPlugin, resolvePluginEntries, type PluginEntry } from './plugins/loadPlugin.ts';
export { orderByDependencies } from './plugins/PluginHost.ts';
export {
  Gateway,
  createGateway,
  coreVersion,
  type GatewayOptions,
  type GatewayState,
} from './gateway/Gateway.ts';
export { installProcessSafetyNet, type ProcessSafetyNetOptions } from './gateway/processSafetyNet.ts';
export type { AdapterFactory, AdapterFactoryContext, AdapterPackage } from './gateway/loadAdapters.ts';
export { Tokens, createToken, type Token } from './gateway/tokens.ts';
export {
  AdapterError,
  ConfigError,
  CubeBridgeError,
  InvalidStateError,
  PluginError,
  TransferFailedError,
  UnsupportedError,
  errorMessage,
  type ConfigIssue,
} from './errors.ts';
