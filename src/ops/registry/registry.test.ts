import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, tempDir } from '../../../test/helpers.js';
import { QUIET } from '../../../test/ops-fixtures.js';
import { resolveSources } from '../../data/sources.js';
import { resolveTrainConfig } from '../../pipeline/config.js';
import { trainRun } from '../../pipeline/train-run.js';
import { acquireLock, processStart } from './lock.js';
import { ALIASES, Registry } from './registry.js';

const root = tempDir();
let runA: string;
let runB: string;

beforeAll(async () => {
  const world = await makeWorld(join(root, 'seed'));
  const config = await resolveTrainConfig('seed');
  runA = join(root, 'a');
  runB = join(root, 'b');
  for (const out of [runA, runB]) await trainRun({ sources: resolveSources(world), out, config, onBadRow: 'fail', replace: false, progress: QUIET, screenshot: false });
}, 120_000);

async function registryWith(name: string): Promise<{ registry: Registry; a: string; b: string }> {
  const registry = await Registry.open(join(root, name), { create: true });
  return { registry, a: await registry.add(runA, 'run-a'), b: await registry.add(runB, 'run-b') };
}

describe('a registry', () => {
  it('promotes, lists with aliases, and rolls back along the history', async () => {
    const { registry, a, b } = await registryWith('moves');
    expect(await registry.resolve('champion')).toBeNull();
    await registry.promote(a, 'first');
    await registry.promote(b, 'second');
    expect((await registry.list()).map((r) => [r.id, r.aliases])).toEqual([['run-a', []], ['run-b', ['champion']]]);
    expect((await registry.resolve('champion'))!.id).toBe('run-b');
    await registry.rollback('b was bad');
    expect((await registry.aliases()).champion).toBe('run-a');
    await expect(registry.rollback('again')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('no earlier champion') });
    await registry.promote(b, 'fixed');
    await registry.setChallenger(a, 'kept for comparison');
    expect((await registry.list()).map((r) => r.aliases)).toEqual([['challenger'], ['champion']]);
    expect((await registry.aliases()).history.map((m) => `${m.action}:${m.from}>${m.to}`)).toEqual([
      'promote:null>run-a', 'promote:run-a>run-b', 'rollback:run-b>run-a', 'promote:run-a>run-b', 'challenger:null>run-a',
    ]);
  });

  it('refuses a corrupt alias file and an alias naming a missing run, with the file and a hint', async () => {
    const { registry, a } = await registryWith('broken');
    await registry.promote(a, 'first');
    const path = join(registry.dir, ALIASES);
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, good.slice(0, 40));
    await expect(registry.aliases()).rejects.toMatchObject({ code: 'BAD_ARTIFACT', location: { file: path }, hint: expect.stringContaining('registry promote') });
    writeFileSync(path, JSON.stringify({ ...JSON.parse(good), champion: '../../etc' }));
    await expect(registry.resolve('champion')).rejects.toMatchObject({ code: 'BAD_ARTIFACT', message: expect.stringContaining('champion') });
    writeFileSync(path, JSON.stringify({ ...JSON.parse(good), champion: 'run-gone' }));
    await expect(registry.resolve('champion')).rejects.toMatchObject({ code: 'BAD_ARTIFACT', message: expect.stringContaining('run-gone, which is not in the registry') });
    await expect(registry.promote('run-gone', 'typo')).rejects.toMatchObject({ code: 'BAD_ARTIFACT' });
    writeFileSync(path, good);
    expect((await registry.resolve('champion'))!.id).toBe('run-a');
  });

  it('refuses a tampered run when promoting or resolving it', async () => {
    const { registry, b } = await registryWith('tampered');
    writeFileSync(join(registry.runDir(b), 'calibration.json'), '{}');
    await expect(registry.promote(b, 'x')).rejects.toMatchObject({ code: 'BAD_ARTIFACT', message: expect.stringContaining('calibration.json') });
    expect((await registry.aliases()).champion).toBeNull();
  });

  it('is not created over a folder of other files, and is opened only where one exists', async () => {
    await expect(Registry.open(join(root, 'nowhere'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', hint: expect.stringContaining('adrank retrain') });
    await expect(Registry.open(join(root, 'seed'), { create: true })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(existsSync(join(root, 'seed', 'registry.json'))).toBe(false);
  });
});

describe('the registry lock', () => {
  it('refuses a second holder, naming the first, and is free again once released', async () => {
    const path = join(root, 'lock-1');
    const lock = await acquireLock(path, 'adrank retrain');
    await expect(acquireLock(path, 'adrank retrain')).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining(`pid ${process.pid}`) });
    await lock.release();
    await (await acquireLock(path, 'again')).release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock whose process has died', async () => {
    const path = join(root, 'lock-2');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), purpose: 'adrank retrain', startedAt: '2026-01-01T00:00:00.000Z' }));
    const lock = await acquireLock(path, 'the next retrain');
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('of two takeovers of the same stale lock at once, exactly one wins', async () => {
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    for (let round = 0; round < 10; round++) {
      const path = join(root, `lock-race-${round}`);
      writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), purpose: 'a retrain that died', startedAt: '2026-01-01T00:00:00.000Z' }));
      const results = await Promise.allSettled([acquireLock(path, 'first'), acquireLock(path, 'second')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'LOCKED' } });
      for (const r of results) if (r.status === 'fulfilled') await r.value.release();
    }
    expect(readdirSync(root).filter((f) => f.startsWith('lock-race') && /\.(tmp|stale)$/.test(f))).toEqual([]);
  });

  it('takes over a lock whose pid now belongs to a process started later (a reused pid), and one this process left behind', async () => {
    const path = join(root, 'lock-3');
    const start = processStart(process.ppid);
    expect(start, 'this system has /proc').toBeGreaterThan(0);
    writeFileSync(path, JSON.stringify({ pid: process.ppid, pidStart: start! - 1, host: hostname(), purpose: 'adrank retrain', startedAt: '2026-01-01T00:00:00.000Z' }));
    await (await acquireLock(path, 'the next retrain')).release();
    // the same live parent with its true start time holds the lock
    writeFileSync(path, JSON.stringify({ pid: process.ppid, pidStart: start, host: hostname(), purpose: 'adrank retrain', startedAt: '2026-01-01T00:00:00.000Z' }));
    await expect(acquireLock(path, 'the next retrain')).rejects.toMatchObject({ code: 'LOCKED' });
    // our own pid, but not a lock this process took: left by an earlier process that had the same pid
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), purpose: 'adrank retrain', startedAt: '2026-01-01T00:00:00.000Z' }));
    await (await acquireLock(path, 'the next retrain')).release();
  });

  it('holds an unreadable lock file while it is fresh and takes it over once it is a minute old', async () => {
    const path = join(root, 'lock-4');
    writeFileSync(path, '');
    await expect(acquireLock(path, 'retrain')).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining('another process') });
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    await (await acquireLock(path, 'retrain')).release();
    expect(existsSync(path)).toBe(false);
  });
});
