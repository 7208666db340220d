// Connecting to Redis with bounded waits: a clear error at start-up when the server is unreachable,
// and commands that fail fast (instead of queueing forever) while it is down.
import { Redis } from 'ioredis';
import { AdrankError } from '../../core/errors.js';

export interface RedisOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // keep reconnecting in the background while serving; each failed command is reported to the caller
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
  });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    lastError = e;
  });
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw new AdrankError('STORE_UNAVAILABLE', `cannot connect to Redis at ${url}: ${(lastError ?? (e as Error)).message}`, {
      location: { field: 'redis', value: url },
      hint: 'start redis-server or pass the right --redis URL (e.g. redis://127.0.0.1:6379)',
    });
  }
  return client;
}

/** Wraps a failed Redis command as STORE_UNAVAILABLE so callers can fall back. */
export function storeUnavailable(url: string, e: unknown): AdrankError {
  return new AdrankError('STORE_UNAVAILABLE', `Redis command failed: ${(e as Error).message}`, {
    location: { field: 'redis', value: url },
    hint: 'the caller may fall back to defaults; check that redis-server is running',
  });
}
