// Resolve the configuration: defaults < config file (`cubebridge.config.{ts,mts,js,mjs,json}`) < `.env` <
// environment. Every problem is reported at once, each naming its key, what was found and what is allowed.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, errorMessage } from '../errors.ts';
import { describeIssues } from './describeIssues.ts';
import { environmentOverlay, mergeConfig } from './environment.ts';
import { type GatewayConfig, type GatewayConfigInput, gatewayConfigSchema } from './schema.ts';

export const configFileNames = [
  'cubebridge.config.ts',
  'cubebridge.config.mts',
  'cubebridge.config.js',
  'cubebridge.config.mjs',
  'cubebridge.config.json',
] as const;

export interface LoadConfigOptions {
  /** An explicit file; otherwise the first of `configFileNames` found in `cwd`. */
  readonly configPath?: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Read `<cwd>/.env` (default true). Real environment variables win over it. */
  readonly dotenv?: boolean;
}

export interface LoadedConfig {
  readonly config: GatewayConfig;
  /** The file that was read, if any. */
  readonly file: string | undefined;
  /** Which keys came from which environment variable. */
  readonly environmentSources: ReadonlyMap<string, string>;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const file = findConfigFile(cwd, options.configPath);
  const fromFile = file ? await readConfigFile(file) : {};
  const dotenvPath = resolve(cwd, '.env');
  const dotenv =
    options.dotenv !== false && existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const overlay = environmentOverlay({ ...dotenv, ...(options.env ?? process.env) });
  const merged = mergeConfig(fromFile, overlay.values);
  const config = validateConfig(merged, file ?? 'defaults and environment', overlay.sources);
  return { config, file, environmentSources: overlay.sources };
}

function findConfigFile(cwd: string, explicit: string | undefined): string | undefined {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new ConfigError('command line', [
        {
          path: '--config',
          message: 'no such file; give the path to a cubebridge.config.ts or .json',
          found: path,
        },
      ]);
    }
    return path;
  }
  return configFileNames.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
}

async function readConfigFile(file: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(file, [
        { path: '', message: `not valid JSON: ${errorMessage(error)}`, found: 'unparsable file' },
      ]);
    }
  }
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    const value =
      typeof module.default === 'function' ? await (module.default as () => unknown)() : module.default;
    if (value === undefined) {
      throw new Error('it has no default export; write `export default defineConfig({ ... })`');
    }
    return value;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(file, [
      { path: '', message: `could not be loaded: ${errorMessage(error)}`, found: 'a module that failed' },
    ]);
  }
}

/**
 * Validate a configuration object (from code, a file or the environment) against the core's schema: the core's
 * own keys, and of each adapter section only which package it names. `checkConfig` validates the rest.
 */
export function validateConfig(
  input: GatewayConfigInput | unknown,
  source = 'configuration',
  environmentSources: ReadonlyMap<string, string> = new Map(),
): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      source,
      describeIssues(result.error.issues, { schema: gatewayConfigSchema, input, environmentSources }),
    );
  }
  return result.data;
}
