// Resolve the configuration: defaults < config file (`cubebridge.config.{ts,mts,js,mjs,json}`) < `.env` <
// environment. Every problem is reported at once, each naming its key, what was found and what is allowed.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, errorMessage } from '../errors.ts';
import { environmentOverlay, mergeConfig } from './environment.ts';
import { type GatewayConfig, type GatewayConfigInput, gatewayConfigSchema } from './schema.ts';
import { isSecretKey, redacted } from './secrets.ts';

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

/** Validate a configuration object (from code, a file or the environment). */
export function validateConfig(
  input: GatewayConfigInput | unknown,
  source = 'configuration',
  environmentSources: ReadonlyMap<string, string> = new Map(),
): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues
        .flatMap((issue) => specificIssues(issue, []))
        .map((issue) => describeIssue(issue, input, environmentSources)),
    );
  }
  return normaliseAccounts(result.data, source);
}

/**
 * A section that may be an adapter object or an options section fails as a union ("Invalid input"); report
 * what is wrong inside the options section instead, with full paths.
 */
function specificIssues(issue: z.core.$ZodIssue, prefix: PropertyKey[]): z.core.$ZodIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.message !== 'Invalid input' || issue.errors.length === 0) {
    return [{ ...issue, path }];
  }
  const branch =
    issue.errors.find((errors) => errors.some((inner) => inner.code !== 'custom')) ?? issue.errors[0]!;
  return branch.flatMap((inner) => specificIssues(inner, path));
}

function describeIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
  environmentSources: ReadonlyMap<string, string>,
): ConfigIssue {
  const keys = issue.path.map(String);
  const path = keys.join('.');
  const variable = environmentSources.get(path);
  const found = valueAt(input, keys);
  const unknownKeys =
    issue.code === 'unrecognized_keys' ? `; allowed here: ${allowedKeys(keys).join(', ')}` : '';
  return {
    path: variable ? `${path} (from ${variable})` : path,
    message: issue.message + unknownKeys,
    found: keys.some(isSecretKey) && found !== undefined ? redacted : describeValue(found),
  };
}

function allowedKeys(path: readonly string[]): string[] {
  return path.length === 0 ? Object.keys(gatewayConfigSchema.shape) : [];
}

function valueAt(input: unknown, keys: readonly string[]): unknown {
  let node = input;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/** The seed's single account (SIP_DOMAIN/SIP_USERNAME/SIP_PASSWORD) becomes the first entry of `sip.accounts`. */
function normaliseAccounts(config: GatewayConfig, source: string): GatewayConfig {
  const sip = config.sip;
  if (!sip || !('accounts' in sip) || !sip.username) return config;
  if (!sip.domain) {
    throw new ConfigError(source, [
      {
        path: 'sip.domain',
        message: 'is required when sip.username is set (SIP_DOMAIN, e.g. pbx.example.com)',
        found: 'nothing',
      },
    ]);
  }
  const seedAccount = {
    username: sip.username,
    domain: sip.domain,
    ...(sip.password === undefined ? {} : { password: sip.password }),
    ...(typeof sip.server === 'string' ? { server: sip.server } : {}),
  };
  const accounts = sip.accounts.some(
    (account) => account.username === sip.username && account.domain === sip.domain,
  )
    ? sip.accounts
    : [seedAccount, ...sip.accounts];
  return { ...config, sip: { ...sip, accounts } };
}
