/**
 * Redis connection settings for BullMQ roles, and the one mapping of "Redis is not answering" to
 * ERR_QUEUE_UNAVAILABLE.
 *
 * Why two shapes: a producer (the coordinator's Queue) must fail fast — no offline queue, one
 * retry per request, a connect timeout — so a query against a dead Redis gets a 503 in about
 * K3_REDIS_CONNECT_TIMEOUT instead of hanging. Blocking roles (QueueEvents, Worker) must keep
 * `maxRetriesPerRequest: null` (BullMQ requires it) and simply reconnect forever.
 */
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { AppError } from '../errors/index.ts';

/** K3_REDIS_URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable K3_REDIS_URL)';
  }
}

const reconnect = (times: number): number => Math.min(100 * 2 ** Math.min(times, 5), 2000);

export function producerConnection(url: string, connectTimeoutMs: number): ConnectionOptions {
  return { url, connectTimeout: connectTimeoutMs, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: reconnect } as ConnectionOptions;
}

export function blockingConnection(url: string, connectTimeoutMs: number): ConnectionOptions {
  return { url, connectTimeout: connectTimeoutMs, maxRetriesPerRequest: null, retryStrategy: reconnect } as ConnectionOptions;
}

/**
 * Our own ioredis clients (BullMQ then shares them and never closes them), so that `disconnect()`
 * always ends them at once — BullMQ's own close waits for a connection that may never come — and
 * their 'error' events (refused connections while Redis is down) are observed, not printed.
 */
export function createRedisClient(options: ConnectionOptions): Redis {
  const { url, ...rest } = options as { url: string } & Record<string, unknown>;
  const client = new Redis(url, rest);
  client.on('error', () => undefined);
  return client;
}

export function queueUnavailable(url: string, cause?: unknown): AppError {
  const why = cause instanceof Error ? cause.message : cause === undefined ? 'no answer' : String(cause);
  return new AppError(
    'ERR_QUEUE_UNAVAILABLE',
    `Redis at ${redactRedisUrl(url)} is unreachable (${why}); the query was not completed. Check that Redis is running and K3_REDIS_URL is right, then retry.`,
    { redis: redactRedisUrl(url) },
    { cause },
  );
}

/** `promise`, or the error from `onTimeout` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(onTimeout()), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
