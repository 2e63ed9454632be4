// Environment variables (and `.env`) that set configuration keys. The seed's names keep working.
import { ConfigError } from '../errors.ts';

interface EnvironmentKey {
  readonly variable: string;
  readonly path: readonly string[];
  readonly parse?: (raw: string, variable: string) => unknown;
}

const integer = (raw: string): unknown => (/^-?\d+$/.test(raw.trim()) ? Number(raw) : raw);

/** `sip:joao@empresa.com=12345, sip:maria@empresa.com=67890` (commas, semicolons or new lines). */
export function parseMappings(raw: string, variable: string): Record<string, string> {
  const mappings: Record<string, string> = {};
  for (const entry of raw
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.lastIndexOf('=');
    if (separator <= 0 || separator === entry.length - 1) {
      throw new ConfigError(`environment variable ${variable}`, [
        {
          path: 'mappings',
          message: 'each entry must look like sip:joao@empresa.com=12345',
          found: JSON.stringify(entry),
        },
      ]);
    }
    mappings[entry.slice(0, separator).trim()] = entry.slice(separator + 1).trim();
  }
  return mappings;
}

export const environmentKeys: readonly EnvironmentKey[] = [
  { variable: 'CUBEBRIDGE_LOG_LEVEL', path: ['logLevel'] },
  { variable: 'LOG_LEVEL', path: ['logLevel'] },
  { variable: 'CUBEBRIDGE_LOG_FORMAT', path: ['logFormat'] },
  { variable: 'CUBEBRIDGE_HTTP_HOST', path: ['http', 'host'] },
  { variable: 'CUBEBRIDGE_HTTP_PORT', path: ['http', 'port'], parse: integer },
  /** Where the gateway keeps what must survive a crash (the journal of calls in progress). */
  { variable: 'CUBEBRIDGE_STATE_DIR', path: ['stateDir'] },
  { variable: 'SIP_DOMAIN', path: ['sip', 'domain'] },
  { variable: 'SIP_USERNAME', path: ['sip', 'username'] },
  { variable: 'SIP_PASSWORD', path: ['sip', 'password'] },
  { variable: 'SIP_SERVER', path: ['sip', 'server'] },
  { variable: 'CONNECTYCUBE_APP_ID', path: ['connectycube', 'appId'], parse: integer },
  { variable: 'CONNECTYCUBE_AUTH_KEY', path: ['connectycube', 'authKey'] },
  { variable: 'CONNECTYCUBE_AUTH_SECRET', path: ['connectycube', 'authSecret'] },
  { variable: 'CONNECTYCUBE_ACCOUNT_KEY', path: ['connectycube', 'accountKey'] },
  { variable: 'CONNECTYCUBE_API_ENDPOINT', path: ['connectycube', 'endpoints', 'api'] },
  { variable: 'CONNECTYCUBE_CHAT_ENDPOINT', path: ['connectycube', 'endpoints', 'chat'] },
  { variable: 'CONNECTYCUBE_IDENTITY', path: ['connectycube', 'identity'] },
  /** The ConnectyCube user the gateway logs in as (gateway identity mode). */
  { variable: 'CONNECTYCUBE_GATEWAY_LOGIN', path: ['connectycube', 'user', 'login'] },
  { variable: 'CONNECTYCUBE_GATEWAY_PASSWORD', path: ['connectycube', 'user', 'password'] },
  { variable: 'USER_MAPPINGS', path: ['mappings'], parse: parseMappings },
];

export interface EnvironmentOverlay {
  readonly values: Record<string, unknown>;
  /** Key path (`http.port`) → the variable it came from, so errors can name it. */
  readonly sources: ReadonlyMap<string, string>;
}

/** The configuration keys set by environment variables; later entries of `environmentKeys` do not override earlier ones. */
export function environmentOverlay(env: Readonly<Record<string, string | undefined>>): EnvironmentOverlay {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const { variable, path, parse } of environmentKeys) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const key = path.join('.');
    if (sources.has(key)) continue;
    setPath(values, path, parse ? parse(raw, variable) : raw);
    sources.set(key, variable);
  }
  return { values, sources };
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Deep merge of plain objects; `overlay` wins. Arrays and class instances are replaced, not merged. */
export function mergeConfig(base: unknown, overlay: unknown): unknown {
  const isPlain = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype;
  if (!isPlain(base) || !isPlain(overlay)) return overlay === undefined ? base : overlay;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) merged[key] = mergeConfig(base[key], value);
  return merged;
}
