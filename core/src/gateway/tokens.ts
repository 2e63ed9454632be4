// Injection tokens of the gateway's container. A token carries its service's type, so `resolve(token)` is typed.
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { EventBus } from '../events/EventBus.ts';
import type { Hooks } from '../hooks/Hooks.ts';
import type { Logger } from '../logging/Logger.ts';
import type { MediaRelay } from '../ports/MediaRelay.ts';
import type { Platform } from '../ports/Platform.ts';
import type { SipAdapter } from '../ports/SipAdapter.ts';

declare const tokenType: unique symbol;
export type Token<T> = symbol & { readonly [tokenType]?: T };

/** Create a token for a service of your own (plugins offering services to other plugins). */
export function createToken<T>(description: string): Token<T> {
  return Symbol(description) as Token<T>;
}

export const Tokens = {
  Config: createToken<GatewayConfig>('cubebridge.config'),
  Logger: createToken<Logger>('cubebridge.logger'),
  EventBus: createToken<EventBus>('cubebridge.events'),
  Hooks: createToken<Hooks>('cubebridge.hooks'),
  Calls: createToken<CallRegistry>('cubebridge.calls'),
  SipAdapter: createToken<SipAdapter>('cubebridge.sip'),
  MediaRelay: createToken<MediaRelay>('cubebridge.media'),
  Platform: createToken<Platform>('cubebridge.platform'),
} as const;
