// Connections to Redis (one server, or a Redis Cluster found by asking the server) through ioredis, with bounded
// waits: the whole connection — TCP, TLS, AUTH, SELECT and, for a cluster, its slot map — must be ready within the
// connect timeout, or a STORE_UNAVAILABLE error says why. Once connected, commands fail fast instead of queueing
// (no offline queue, no resend on reconnection, a per-command timeout) while ioredis reconnects in the background,
// so a serving process recovers by itself within a second of Redis coming back.
// Commands are written as they are issued, unless `autoPipelining` is on (ioredis then defers them to the next
// turn of the event loop and sends one pipeline per node at a time; bench/online-store.ts measures both).
import { isIP } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { AdrankError } from '../../core/errors.js';
import { parseRedisUrl, scrub, type RedisEndpoint } from './redis-url.js';

export interface RedisConnectOptions {
  /** the whole connection must be ready within this (default 2000) */
  connectTimeoutMs?: number;
  /** each command must be answered within this (default 1000) */
  commandTimeoutMs?: number;
  /** PEM of the certificate authority that signed the server's certificate, for rediss:// (default: the system's) */
  tlsCa?: string | Buffer;
  /** 'auto' (default) asks the server whether it is a cluster node */
  mode?: 'auto' | 'standalone' | 'cluster';
  /** gather the commands of one event-loop turn into one pipeline per node (default false) */
  autoPipelining?: boolean;
}

export type RedisClient = Redis | Cluster;

export interface RedisConnection {
  client: RedisClient;
  endpoint: RedisEndpoint;
  cluster: boolean;
  close(): void;
}

/** Reconnection delay after `attempt` failures: quick at first, then every half second. */
const reconnectDelayMs = (attempt: number): number => Math.min(50 * attempt, 500);

function nodeOptions(endpoint: RedisEndpoint, options: RedisConnectOptions): RedisOptions {
  return {
    username: endpoint.username,
    password: endpoint.password,
    tls: endpoint.tls ? { ca: options.tlsCa, servername: isIP(endpoint.host) ? undefined : endpoint.host } : undefined,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: options.autoPipelining ?? false,
    lazyConnect: true,
  };
}

function standalone(endpoint: RedisEndpoint, options: RedisConnectOptions): Redis {
  return new Redis({ ...nodeOptions(endpoint, options), host: endpoint.host, port: endpoint.port, db: endpoint.db, enableOfflineQueue: false, retryStrategy: reconnectDelayMs });
}

function cluster(endpoint: RedisEndpoint, options: RedisConnectOptions): Cluster {
  return new Cluster([{ host: endpoint.host, port: endpoint.port }], {
    redisOptions: nodeOptions(endpoint, options),
    enableOfflineQueue: false,
    enableAutoPipelining: options.autoPipelining ?? false,
    lazyConnect: true,
    slotsRefreshTimeout: options.connectTimeoutMs ?? 2000,
    clusterRetryStrategy: reconnectDelayMs,
    clusterNodeRetryStrategy: reconnectDelayMs,
    retryDelayOnFailover: 50,
    retryDelayOnClusterDown: 50,
  });
}

/** Connects `client`, or disconnects it and rejects with the underlying reason once `deadline` (ms) has passed. */
async function ready(client: RedisClient, deadline: number): Promise<void> {
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    lastError = e;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready within the connect timeout (the server accepted no Redis conversation)`)), Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } catch (e) {
    client.disconnect();
    throw lastError && !/not ready within/.test((e as Error).message) ? lastError : e;
  } finally {
    clearTimeout(timer);
  }
}

function connectFailed(endpoint: RedisEndpoint, e: unknown): AdrankError {
  const reason = scrub((e as Error).message ?? String(e), endpoint.password);
  const tlsHint = endpoint.tls ? '; a server without TLS needs redis://, one with a private certificate authority its PEM (--redis-ca FILE)' : '; a TLS-only server needs rediss://';
  return new AdrankError('STORE_UNAVAILABLE', `cannot connect to Redis at ${endpoint.display}: ${reason}`, {
    location: { field: 'redis', value: endpoint.display },
    hint: `start redis-server or pass the right --redis URL (e.g. redis://127.0.0.1:6379)${tlsHint}`,
  });
}

/** Connects to the server or cluster at `url` (see redis-url.ts); fails with BAD_ARGUMENT or STORE_UNAVAILABLE. */
export async function connectRedis(url: string, options: RedisConnectOptions = {}): Promise<RedisConnection> {
  const endpoint = parseRedisUrl(url);
  const deadline = Date.now() + (options.connectTimeoutMs ?? 2000);
  let isCluster = options.mode === 'cluster';
  try {
    if (!isCluster) {
      const client = standalone(endpoint, options);
      await ready(client, deadline);
      isCluster = options.mode !== 'standalone' && /cluster_enabled:1/.test(await client.info('cluster'));
      if (!isCluster) return { client, endpoint, cluster: false, close: () => client.disconnect() };
      client.disconnect();
    }
  } catch (e) {
    throw connectFailed(endpoint, e);
  }
  if (endpoint.db !== 0) {
    throw new AdrankError('BAD_ARGUMENT', `a Redis Cluster has only database 0, not ${endpoint.db}: ${endpoint.display}`, {
      location: { field: 'redis', value: endpoint.display },
      hint: 'drop the /N after the host',
    });
  }
  const client = cluster(endpoint, options);
  try {
    await ready(client, deadline);
  } catch (e) {
    throw connectFailed(endpoint, e);
  }
  return { client, endpoint, cluster: true, close: () => client.disconnect() };
}

/** Wraps a failed Redis command as STORE_UNAVAILABLE so callers can fall back. */
export function storeUnavailable(endpoint: RedisEndpoint, e: unknown): AdrankError {
  if (e instanceof AdrankError) return e;
  return new AdrankError('STORE_UNAVAILABLE', `Redis command failed at ${endpoint.display}: ${scrub((e as Error).message ?? String(e), endpoint.password)}`, {
    location: { field: 'redis', value: endpoint.display },
    hint: 'the caller may fall back to defaults; check that redis-server is running',
  });
}

/**
 * `work`, or a STORE_UNAVAILABLE rejection once `ms` have passed. Commands queued behind a stuck pipeline would
 * otherwise wait for the commands ahead of them to time out first; this bounds what the caller waits.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, endpoint: RedisEndpoint): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(storeUnavailable(endpoint, new Error(`no reply within ${ms} ms`))), ms);
  });
  work.catch(() => undefined); // a late failure after the deadline is not the caller's any more
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
