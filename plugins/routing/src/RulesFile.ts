// A rules file the routing plugin reloads when it changes: edit the dial plan without restarting calls.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '@cubebridge/core';
import { type DialPlanConfig, dialPlanSchema } from './DialPlanSchema.ts';

/** Read and validate the file; throws an Error whose message names each bad key. */
export function readRulesFile(path: string, defaults: DialPlanConfig): DialPlanConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  const result = dialPlanSchema.partial().safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  - ${issue.path.join('.') || '(file)'}: ${issue.message}`,
    );
    throw new Error(`${path} is not a valid dial plan:\n${lines.join('\n')}`);
  }
  return {
    ...defaults,
    ...Object.fromEntries(Object.entries(result.data).filter(([, value]) => value !== undefined)),
  };
}

/**
 * Watch the file (through its folder, because editors replace files rather than write them) and call
 * `onChange` with each valid new version; an invalid version is logged and the previous plan stays.
 */
export function watchRulesFile(
  path: string,
  defaults: DialPlanConfig,
  logger: Logger,
  onChange: (config: DialPlanConfig) => void,
): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(path), (_event, file) => {
    if (file !== null && file !== basename(path)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        onChange(readRulesFile(path, defaults));
        logger.info({ file: path }, 'dial plan reloaded');
      } catch (error) {
        logger.error(
          { file: path, error: (error as Error).message },
          'dial plan not reloaded: the file is invalid; the previous plan stays',
        );
      }
    }, 100);
  });
  watcher.on('close', () => clearTimeout(timer));
  return watcher;
}
