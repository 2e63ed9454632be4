// An AdapterContext for tests that start a platform adapter without a gateway: events are recorded, log
// lines are kept in memory (so a test can check that no secret was ever logged).
import type { AdapterContext, GatewayEvent, Logger } from '@cubebridge/core';

export interface RecordingContext extends AdapterContext {
  readonly events: GatewayEvent[];
  /** Every log call, as `level message {bindings and fields as JSON}`. */
  readonly logLines: string[];
  readonly abort: () => void;
}

export function recordingContext(): RecordingContext {
  const events: GatewayEvent[] = [];
  const logLines: string[] = [];
  const controller = new AbortController();
  return {
    events,
    logLines,
    emit: (event) => events.push(event),
    logger: memoryLogger(logLines, {}),
    signal: controller.signal,
    abort: () => controller.abort(),
  };
}

function memoryLogger(lines: string[], bindings: Record<string, unknown>): Logger {
  const write =
    (level: string) =>
    (first: unknown, second?: unknown): void => {
      const [fields, message] = typeof first === 'string' ? [{}, first] : [first, second];
      lines.push(
        `${level} ${String(message ?? '')} ${JSON.stringify({ ...bindings, ...(fields as object) })}`,
      );
    };
  const logger = {
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    fatal: write('fatal'),
    child: (more: Record<string, unknown>) => memoryLogger(lines, { ...bindings, ...more }),
  };
  // Only the methods the adapters call exist; pino's full surface is not needed here.
  return logger as unknown as Logger;
}
