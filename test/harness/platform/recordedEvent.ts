// Waits for an event that a RecordingContext records after a mark (an index into its events): the way adapter
// tests see a chat drop, a reconnect or a refusal happen.
import type { EventOfType, GatewayEvent } from '@cubebridge/core';
import { waitFor } from '../sip/processes.ts';
import type { RecordingContext } from './adapterContext.ts';

export function recordedEvent<T extends GatewayEvent['type']>(
  context: RecordingContext,
  type: T,
  from: number,
  timeoutMs = 20_000,
): Promise<EventOfType<T>> {
  return waitFor(
    `${type} after event ${from}`,
    () => context.events.slice(from).find((event): event is EventOfType<T> => event.type === type),
    timeoutMs,
  );
}
