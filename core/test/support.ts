// Small helpers for the core's tests: a logger whose JSON lines can be read back, and event collection.
import { Writable } from 'node:stream';
import { createLogger, type GatewayEvent, type Logger } from '../src/index.ts';

export function capturingLogger(level: 'debug' | 'info' = 'debug'): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level, format: 'json', destination }), text: () => chunks.join('') };
}

export function collect(events$: {
  subscribe(next: (event: GatewayEvent) => void): unknown;
}): GatewayEvent[] {
  const events: GatewayEvent[] = [];
  events$.subscribe((event) => events.push(event));
  return events;
}

export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms: ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
