// @cubebridge/core — the public surface. Adapters and plugins import only from here.
import 'reflect-metadata';

export type * from './ports/common.ts';
export type * from './ports/MediaRelay.ts';
export type * from './ports/SipAdapter.ts';
export type * from './ports/Platform.ts';
export type * from './events/GatewayEvent.ts';
export type * from './hooks/HookTypes.ts';
export type { Logger } from './logging/Logger.ts';
export { type CallState, callTransitions, canTransition, terminalCallStates } from './calls/CallState.ts';
