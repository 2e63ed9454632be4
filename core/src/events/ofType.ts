// `ofType('call.answered', 'call.ended')` keeps those events and narrows their type for what follows.
import { filter, type OperatorFunction } from 'rxjs';
import type { EventOfType, GatewayEvent, GatewayEventType } from './GatewayEvent.ts';

export function ofType<T extends GatewayEventType>(
  ...types: readonly [T, ...T[]]
): OperatorFunction<GatewayEvent, EventOfType<T>> {
  const wanted = new Set<GatewayEventType>(types);
  return filter((event): event is EventOfType<T> => wanted.has(event.type));
}
