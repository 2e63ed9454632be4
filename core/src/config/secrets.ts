// What counts as a secret, and how it is hidden wherever configuration or objects could be printed.

const secretKeyPattern =
  /(password|passwd|secret|token|authkey|auth_key|accountkey|account_key|ha1|apikey|api_key|credential|privatekey|private_key)/i;

export const redacted = '[redacted]';

export function isSecretKey(key: string): boolean {
  return secretKeyPattern.test(key);
}

/** A deep copy with every secret-named value replaced; non-plain objects (adapters, plugins) are summarised. */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (key && isSecretKey(key) && value !== undefined && value !== null && value !== '') return redacted;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item));
  if (value && typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (value as { name?: unknown }).name;
      return `[${value.constructor?.name ?? 'object'}${typeof name === 'string' ? ` ${name}` : ''}]`;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  }
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  return value;
}

/** Key names pino hides at any depth up to four levels (pino's redaction needs explicit paths). */
export const loggerRedactPaths: string[] = [
  'password',
  'authKey',
  'authSecret',
  'accountKey',
  'token',
  'ha1',
  'secret',
  'authorization',
].flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);
