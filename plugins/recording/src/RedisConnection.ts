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
    const url = new URL(target);
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
