// `adrank materialize` as a user runs it (the built binary in a child process): a run published to a real
// redis-server, and every kind of bad input failing with exit code 2, a clear message, no stack trace and no password.
import { execFile } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFeatureRun, makeWorld, tempDir } from './helpers.js';
import { hasRedis } from './online-stores.js';
import { startRedis, type TestRedis } from './redis-server.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();
const runDir = join(root, 'run');
let redis: TestRedis | undefined;

async function adrank(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, ms: Date.now() - started };
  }
}

beforeAll(async () => {
  await makeFeatureRun(await makeWorld(join(root, 'seed')), runDir);
  if (hasRedis) redis = await startRedis({ password: 'cli-secret' });
});
afterAll(async () => redis?.stop());

/** Exit code 2 with an AdrankError of `code` in the --json output, and no stack trace or `secret` anywhere. */
function expectInputError(r: Awaited<ReturnType<typeof adrank>>, code: string, secret = 'cli-secret'): Record<string, unknown> {
  expect(r.code, r.stderr).toBe(2);
  const output = JSON.parse(r.stdout) as { ok: boolean; error: Record<string, unknown> };
  expect(output.ok).toBe(false);
  expect(output.error.code).toBe(code);
  expect(r.stderr).toMatch(new RegExp(`^adrank: \\[${code}\\]`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout + r.stderr).not.toContain(secret);
  return output.error;
}

describe('adrank materialize', () => {
  it.skipIf(!hasRedis)('publishes a run and reports the version', async () => {
    const r = await adrank('materialize', '--run', runDir, '--redis', redis!.url, '--namespace', 'cli', '--ad-shards', '3', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, command: 'materialize', namespace: 'cli', version: 'v1', layout: { adShards: 3 }, records: 31 });
    expect(r.stdout + r.stderr).not.toContain('cli-secret');
  });

  it.skipIf(!hasRedis)('refuses a namespace with glob characters', async () => {
    const error = expectInputError(await adrank('materialize', '--run', runDir, '--redis', redis!.url, '--namespace', '*', '--json'), 'BAD_ARGUMENT');
    expect(error.field).toBe('namespace');
  });

  it('never prints the password of the URL, in text or JSON', async () => {
    const error = expectInputError(await adrank('materialize', '--run', runDir, '--redis', 'redis://:cli-secret@127.0.0.1:1', '--json'), 'STORE_UNAVAILABLE');
    expect(error.value).toBe('redis://:***@127.0.0.1:1');
    const text = await adrank('materialize', '--run', runDir, '--redis', 'redis://user:cli-secret@127.0.0.1:1');
    expect(text.stderr).toContain('redis://user:***@127.0.0.1:1');
    expect(text.stderr).not.toContain('cli-secret');
  });

  it('refuses an http:// URL', async () => {
    const error = expectInputError(await adrank('materialize', '--run', runDir, '--redis', 'http://127.0.0.1:6379', '--json'), 'BAD_ARGUMENT');
    expect(String(error.message)).toMatch(/redis:\/\/ or rediss:\/\//);
  });

  it.skipIf(!hasRedis)('names a garbage online file instead of failing inside DuckDB', async () => {
    const broken = join(root, 'broken');
    await adrank('features', '--data', join(root, 'seed'), '--run', broken);
    writeFileSync(join(broken, 'online', 'ads.parquet'), 'garbage');
    const error = expectInputError(await adrank('materialize', '--run', broken, '--redis', redis!.url, '--json'), 'BAD_ARTIFACT');
    expect(error.file).toBe(join(broken, 'online', 'ads.parquet'));
  });

  it.skipIf(!hasRedis)('refuses a run whose online table was replaced by another valid one, naming the file, before writing to Redis', async () => {
    const other = join(root, 'other');
    await adrank('features', '--data', await makeWorld(join(root, 'seed-2'), 'seed', 2), '--run', other);
    const swapped = join(root, 'swapped');
    await adrank('features', '--data', join(root, 'seed'), '--run', swapped);
    copyFileSync(join(other, 'online', 'ads.parquet'), join(swapped, 'online', 'ads.parquet'));
    const error = expectInputError(await adrank('materialize', '--run', swapped, '--redis', redis!.url, '--json'), 'BAD_ARTIFACT');
    expect(error.file).toBe(join(swapped, 'online', 'ads.parquet'));
  });

  describe('against an endpoint that accepts TCP but never answers', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      silent = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    });
    afterAll(() => {
      sockets.forEach((s) => s.destroy());
      silent.close();
    });

    it('gives up within the connect timeout', async () => {
      const port = (silent.address() as { port: number }).port;
      const r = await adrank('materialize', '--run', runDir, '--redis', `redis://127.0.0.1:${port}`, '--connect-timeout-ms', '1000', '--json');
      expectInputError(r, 'STORE_UNAVAILABLE');
      expect(r.ms).toBeLessThan(1000 + 4000); // the timeout, plus starting node and reading the run
    });
  });
});
