// The serving-path Redis client against a real redis-server: replies split across packets, nil and binary
// values, error replies, timeouts and reconnection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RespClient } from '../src/features/online/resp-client.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';

let redis: TestRedis | undefined;
let writer: Redis;

beforeAll(async () => {
  if (!redisServerAvailable()) return;
  redis = await startRedis();
  writer = new Redis(redis.url);
});
afterAll(async () => {
  writer?.disconnect();
  await redis?.stop();
});

describe.skipIf(!redisServerAvailable())('RespClient', () => {
  const client = (): RespClient => new RespClient(new URL(redis!.url), { connectTimeoutMs: 1000, commandTimeoutMs: 500 });

  it('reads binary values, nils and large replies that arrive in many packets', async () => {
    const values = Array.from({ length: 3000 }, (_, i) => Buffer.from([i & 255, 0, 13, 10, (i >> 8) & 255]));
    await writer.mset(...values.flatMap((v, i) => [`k:${i}`, v]));
    const big = Buffer.alloc(3 << 20, 7);
    await writer.set('big', big);
    const c = client();
    const keys = values.map((_, i) => `k:${i}`);
    keys.splice(1500, 0, 'missing');
    const got = await c.mget(keys);
    expect(got).toHaveLength(3001);
    expect(got[1500]).toBeNull();
    expect(Buffer.compare(got[0]!, values[0])).toBe(0);
    expect(Buffer.compare(got[3000]!, values[2999])).toBe(0);
    expect((await c.get('big'))!.equals(big)).toBe(true);
    expect(await c.command(['PING'])).toBe('PONG');
    expect(await c.command(['INCR', 'counter'])).toBe(1);
    c.close();
  });

  it('keeps replies in order when commands are pipelined', async () => {
    await writer.set('a', 'A');
    await writer.set('b', 'B');
    const c = client();
    const replies = await Promise.all([c.get('a'), c.mget(['b', 'a']), c.get('nope'), c.get('b')]);
    expect(replies.map((r) => (Array.isArray(r) ? r.map(String) : r === null ? null : String(r)))).toEqual(['A', ['B', 'A'], null, 'B']);
    c.close();
  });

  it('rejects on an error reply and stays usable', async () => {
    await writer.hset('h', 'f', 'v');
    const c = client();
    await expect(c.get('h')).rejects.toThrow(/WRONGTYPE/);
    expect(String(await c.get('a'))).toBe('A');
    c.close();
  });

  it('times out instead of waiting, then reconnects for the next command', async () => {
    const c = new RespClient(new URL(redis!.url), { connectTimeoutMs: 1000, commandTimeoutMs: 100 });
    const started = Date.now();
    await expect(c.command(['BLPOP', 'empty-list', '2'])).rejects.toThrow(/no reply within 100 ms/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(String(await c.get('a'))).toBe('A');
    c.close();
  });

  it('fails fast when the server is unreachable', async () => {
    const c = new RespClient(new URL('redis://127.0.0.1:1'), { connectTimeoutMs: 500, commandTimeoutMs: 100 });
    await expect(c.get('a')).rejects.toThrow();
  });
});
