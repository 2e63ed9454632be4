// Which Redis to use (a URL or host/port), how to connect to it, and how to name it in logs without its password.
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';

export const redisSchema = z.union([
  z
    .string()
    .regex(
      /^rediss?:\/\//,
      'must be a URL like redis://127.0.0.1:6379 or rediss://user:password@host:6380/0',
    ),
  z
    .object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(1).max(65535).default(6379),
      username: z.string().optional(),
      password: z.string().optional(),
      db: z.number().int().min(0).optional(),
      tls: z.boolean().optional(),
    })
    .strict(),
]);

export type RedisTarget = z.input<typeof redisSchema>;

/** ioredis options for a target, plus what the caller needs (BullMQ workers want `maxRetriesPerRequest: null`). */
export function redisOptions(target: RedisTarget, extra: RedisOptions = {}): RedisOptions {
  if (typeof target === 'string') {
    const url = parseRedisUrl(target);
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : 6379,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      ...extra,
    };
  }
  const { tls, host = '127.0.0.1', port = 6379, ...rest } = target;
  return { host, port, ...rest, ...(tls ? { tls: {} } : {}), ...extra };
}

export function connectRedis(target: RedisTarget, extra: RedisOptions = {}): Redis {
  return new Redis(redisOptions(target, extra));
}

/** The target for logs: `redis://host:port/db`, with a user name but never a password. */
export function describeRedis(target: RedisTarget): string {
  const options = redisOptions(target);
  const user = options.username ? `${options.username}@` : options.password ? ':[redacted]@' : '';
  const credentials = options.username && options.password ? `${options.username}:[redacted]@` : user;
  return `${options.tls ? 'rediss' : 'redis'}://${credentials}${options.host}:${options.port}${options.db ? `/${options.db}` : ''}`;
}

/**
 * `CUBEBRIDGE_RECORDING_REDIS` when set (so a password can stay out of config files, which `cubebridge config
 * check` prints), else the local default. The plugin and the worker command both read it.
 */
export function redisFromEnvironment(env: NodeJS.ProcessEnv = process.env): RedisTarget {
  const url = env.CUBEBRIDGE_RECORDING_REDIS;
  if (!url) return 'redis://127.0.0.1:6379';
  const parsed = redisSchema.safeParse(url);
  if (!parsed.success)
    throw new Error(
      'CUBEBRIDGE_RECORDING_REDIS must be a URL like redis://127.0.0.1:6379 (its value is not shown)',
    );
  return parsed.data;
}

function parseRedisUrl(target: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(target);
  } catch {
    // `new URL`'s error carries its input, which may hold a password: say what is wrong, never what was given.
  }
  if (!url || !/^rediss?:$/.test(url.protocol))
    throw new Error('the Redis URL is not valid: it must look like redis://[user:password@]host:port[/db]');
  return url;
}
