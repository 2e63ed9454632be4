// A Logger for tests that need one but assert nothing on logs.

import type { Logger } from '@cubebridge/core';

const noop = (): void => {};

export const silentLogger = {
  level: 'silent',
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
} as unknown as Logger;
