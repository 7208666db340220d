// Connections to Redis as deployments have them, against real redis-servers: AUTH (requirepass), SELECT of a
// database, TLS with a self-signed certificate, URLs that are refused, endpoints that accept TCP but never answer,
// passwords that never reach a message, many concurrent commands with replies of random sizes, and a server that
// hangs or dies during serving and comes back.
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdrankError } from '../src/core/errors.js';
import { Rng } from '../src/core/rng.js';
import { materialize } from '../src/features/online/materialize.js';
import { connectRedis } from '../src/features/online/redis-client.js';
import { RedisFeatureStore } from '../src/features/online/redis-store.js';
import { makeFeatureRun, makeWorld, tempDir } from './helpers.js';
import { hasRedis } from './online-stores.js';
import { startRedis, type TestRedis } from './redis-server.js';

const root = tempDir();
const runDir = join(root, 'run');
const PASSWORD = 's3cret/:@?#pw';
const servers: TestRedis[] = [];

beforeAll(async () => {
  await makeFeatureRun(await makeWorld(join(root, 'seed')), runDir);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function server(options: Parameters<typeof startRedis>[0] = {}): Promise<TestRedis> {
  const s = await startRedis(options);
  servers.push(s);
  return s;
}

/** The error a promise rejects with, and how long it took. */
async function failure(promise: Promise<unknown>): Promise<{ error: AdrankError; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (e) {
    return { error: e as AdrankError, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

function expectNoSecret(error: AdrankError, secret: string): void {
  expect(error).toBeInstanceOf(AdrankError);
  for (const text of [error.message, error.describe(), JSON.stringify(error.toJSON()), String(error.stack)]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
  }
}

describe('Redis URLs', () => {
  it('refuses what is not a redis:// or rediss:// URL, without echoing a password', async () => {
    for (const url of ['http://127.0.0.1:6379', 'https://:hunter2@example.com', 'localhost:6379', '127.0.0.1:6379', 'redis://h/abc', 'redis://h:6379?tls=true', 'not a url']) {
      const { error } = await failure(materialize(runDir, url, { namespace: 'x' }));
      expect(error.code, url).toBe('BAD_ARGUMENT');
      expect(error.hint).toMatch(/redis:\/\//);
      expectNoSecret(error, 'hunter2');
      expect((await failure(RedisFeatureStore.connect(url, { namespace: 'x' }))).error.code).toBe('BAD_ARGUMENT');
    }
  });

  it('never puts the password of a URL into an error', async () => {
    const { error } = await failure(materialize(runDir, 'redis://admin:topsecret@127.0.0.1:1', { namespace: 'x' }));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('redis://admin:***@127.0.0.1:1');
    expectNoSecret(error, 'topsecret');
  });
});

describe('an endpoint that accepts TCP but never answers', () => {
  let silent: Server;
  let port: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(() => {
    sockets.forEach((s) => s.destroy());
    silent.close();
  });

  it('fails within the connect timeout, for readers and for materialize', async () => {
    const url = `redis://:pw@127.0.0.1:${port}`;
    for (const attempt of [
      () => RedisFeatureStore.connect(url, { namespace: 'x', connectTimeoutMs: 500 }),
      () => materialize(runDir, url, { namespace: 'x', connect: { connectTimeoutMs: 500 } }),
      () => materialize(runDir, url.replace('redis:', 'rediss:'), { namespace: 'x', connect: { connectTimeoutMs: 500 } }),
    ]) {
      const { error, ms } = await failure(attempt());
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.message).toMatch(/connect timeout/);
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(1500);
    }
  });
});

describe.skipIf(!hasRedis)('AUTH and SELECT', () => {
  it('authenticates with the password of the URL, and reports a wrong one without showing it', async () => {
    const s = await server({ password: PASSWORD });
    await materialize(runDir, s.url, { namespace: 'auth' });
    const store = await RedisFeatureStore.connect(s.url, { namespace: 'auth' });
    expect((await store.lookup(1, [1])).user.known).toBe(true);
    await store.close();
    for (const url of [s.url.replace(encodeURIComponent(PASSWORD), 'wrong-password'), `redis://127.0.0.1:${s.port}`]) {
      const { error } = await failure(RedisFeatureStore.connect(url, { namespace: 'auth' }));
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.message).toMatch(/WRONGPASS|NOAUTH/);
      expectNoSecret(error, 'wrong-password');
      expectNoSecret(error, PASSWORD);
    }
  });

  it('reads and writes the database named in the URL, and only that one', async () => {
    const s = await server();
    await materialize(runDir, `${s.url}/3`, { namespace: 'db' });
    const raw = new Redis(s.url);
    expect(await raw.dbsize()).toBe(0);
    await raw.select(3);
    expect(await raw.dbsize()).toBeGreaterThan(0);
    raw.disconnect();
    const store = await RedisFeatureStore.connect(`${s.url}/3`, { namespace: 'db' });
    expect((await store.lookup(1, [1])).user.known).toBe(true);
    await store.close();
    await expect(RedisFeatureStore.connect(s.url, { namespace: 'db' })).rejects.toThrow(/no materialized features/);
  });
});

describe.skipIf(!hasRedis)('TLS', () => {
  let tls: TestRedis;
  beforeAll(async () => {
    tls = await server({ tls: true, password: PASSWORD });
  });

  it('talks TLS to rediss:// URLs, trusting the certificate authority it is given', async () => {
    const summary = await materialize(runDir, tls.url, { namespace: 'tls', connect: { tlsCa: tls.ca } });
    expect(summary.records).toBeGreaterThan(30);
    const store = await RedisFeatureStore.connect(tls.url, { namespace: 'tls', tlsCa: tls.ca });
    expect((await store.lookup(4, [9])).ads.found[0]).toBe(1);
    await store.close();
  });

  it('refuses an untrusted certificate, and a plain connection to a TLS port, within the connect timeout', async () => {
    const untrusted = await failure(RedisFeatureStore.connect(tls.url, { namespace: 'tls', connectTimeoutMs: 1000 }));
    expect(untrusted.error.code).toBe('STORE_UNAVAILABLE');
    expect(untrusted.error.message).toMatch(/certificate/i);
    const plain = await failure(RedisFeatureStore.connect(tls.url.replace('rediss:', 'redis:'), { namespace: 'tls', connectTimeoutMs: 1000 }));
    expect(plain.error.code).toBe('STORE_UNAVAILABLE');
    expect(plain.error.hint).toMatch(/rediss:\/\//);
    expect(plain.ms).toBeLessThan(2500);
    expectNoSecret(plain.error, PASSWORD);
  });

  it('keeps every reply with its own request when many run at once', async () => {
    await concurrentReplies(tls.url, tls.ca);
  });
});

/** 3000 concurrent GETs and HMGETs of values of random sizes (0 B – 256 KB, binary): each gets its own reply. */
async function concurrentReplies(url: string, tlsCa?: Buffer): Promise<void> {
  const rng = new Rng(21);
  const values = Array.from({ length: 300 }, (_, i) => {
    const size = rng.bernoulli(0.1) ? rng.int(256 << 10) : rng.int(200);
    return Buffer.from(Array.from({ length: size }, (_, j) => (i * 31 + j * 7) & 255));
  });
  const { client, close } = await connectRedis(url, { tlsCa, commandTimeoutMs: 20_000 });
  try {
    await Promise.all(values.map((v, i) => client.set(`blob:${i}`, v)));
    await client.hset('blobs', ...values.flatMap((v, i) => [String(i), v]));
    const requests = Array.from({ length: 3000 }, () => Array.from({ length: rng.bernoulli(0.5) ? 1 : 1 + rng.int(20) }, () => rng.int(values.length + 5)));
    const replies = await Promise.all(requests.map((ids) => (ids.length === 1 ? client.getBuffer(`blob:${ids[0]}`).then((v) => [v]) : client.hmgetBuffer('blobs', ...ids.map(String)))));
    replies.forEach((reply, r) => {
      expect(reply).toHaveLength(requests[r].length);
      reply.forEach((value, k) => {
        const expected = values[requests[r][k]];
        if (expected === undefined) expect(value).toBeNull();
        else expect(value?.equals(expected), `request ${r}, value ${requests[r][k]}`).toBe(true);
      });
    });
  } finally {
    close();
  }
}

describe.skipIf(!hasRedis)('serving through outages', () => {
  it('keeps every reply with its own request when many run at once (plain TCP)', async () => {
    await concurrentReplies((await server()).url);
  });

  it('rejects each lookup within the command timeout while the server hangs, and recovers when it resumes', async () => {
    const s = await server();
    await materialize(runDir, s.url, { namespace: 'hang' });
    const store = await RedisFeatureStore.connect(s.url, { namespace: 'hang', commandTimeoutMs: 300 });
    expect((await store.lookup(2, [1])).user.known).toBe(true);
    s.process.kill('SIGSTOP');
    try {
      // lookups arriving one after another while earlier ones are stuck: each still waits at most its timeout
      const staggered = Array.from({ length: 12 }, (_, i) => new Promise((r) => setTimeout(r, i * 25)).then(() => failure(store.lookup(2, [1, 2]))));
      for (const { error, ms } of await Promise.all(staggered)) {
        expect(error.code).toBe('STORE_UNAVAILABLE');
        expect(ms).toBeGreaterThanOrEqual(290);
        expect(ms).toBeLessThan(500);
      }
    } finally {
      s.process.kill('SIGCONT');
    }
    await expect(eventually(() => store.lookup(2, [1]), 5000)).resolves.toMatchObject({ user: { known: true } });
    await store.close();
  });

  it('rejects fast while the server is down, and recovers within 5 s of it coming back on the same port', async () => {
    const dir = join(root, 'persisted');
    let s = await server({ dir });
    await materialize(runDir, s.url, { namespace: 'outage' });
    const writer = new Redis(s.url);
    await writer.save(); // the restarted server reads it back
    writer.disconnect();
    const store = await RedisFeatureStore.connect(s.url, { namespace: 'outage', commandTimeoutMs: 200 });
    const outcomes: { ok: boolean; ms: number; at: number; code?: string }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const started = Date.now();
        try {
          const { user } = await store.lookup(3, [1, 8, 15]);
          outcomes.push({ ok: user.known, ms: Date.now() - started, at: Date.now() });
        } catch (e) {
          outcomes.push({ ok: false, ms: Date.now() - started, at: Date.now(), code: (e as AdrankError).code });
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await s.stop();
    await new Promise((r) => setTimeout(r, 1000));
    s = await server({ port: s.port, dir });
    const restartedAt = Date.now();
    while (!outcomes.some((o) => o.ok && o.at > restartedAt) && Date.now() - restartedAt < 6000) await new Promise((r) => setTimeout(r, 20));
    running = false;
    await loop;
    await store.close();
    const failures = outcomes.filter((o) => !o.ok);
    expect(failures.length).toBeGreaterThan(5);
    expect(new Set(failures.map((f) => f.code))).toEqual(new Set(['STORE_UNAVAILABLE']));
    expect(Math.max(...failures.map((f) => f.ms))).toBeLessThan(500);
    const recovered = outcomes.find((o) => o.ok && o.at > restartedAt);
    expect(recovered, 'a lookup succeeded after the restart').toBeDefined();
    expect(recovered!.at - restartedAt).toBeLessThan(5000);
  });
});

/** Retries `attempt` until it resolves or `withinMs` passes. */
async function eventually<T>(attempt: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
