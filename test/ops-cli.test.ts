// The operations commands as a user runs them (the built CLI in child processes): retrain into a registry, list
// and move its aliases, a second retrain refused while one runs, a retrain killed midway leaving the champion
// serving and its lock taken over, and a corrupt alias file refused with exit code 2.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { cutDays, makeDriftWorld } from './ops-fixtures.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();
const registry = join(root, 'registry');
let data: string;

function adrank(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const RETRAIN = (): string[] => ['retrain', '--data', data, '--registry', registry, '--window-days', '3', '--gate', join(root, 'gate.json')];

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const world = await makeDriftWorld(join(root, 'world'), 4, 15_000);
  data = cutDays(world, join(root, 'data'), 4);
  writeFileSync(join(root, 'gate.json'), JSON.stringify({ ctr: { calibrationRatio: [0.8, 1.25], eceMax: 0.01 } }));
  const r = adrank(...RETRAIN(), '--json');
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

describe('adrank registry and adrank retrain', () => {
  it('lists the first run as champion and shows its gate', () => {
    const list = JSON.parse(adrank('registry', 'list', '--registry', registry, '--json').stdout);
    expect(list.runs).toHaveLength(1);
    expect(list.champion).toBe(list.runs[0].id);
    const show = adrank('registry', 'show', list.champion, '--registry', registry);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/\[champion\].*\n.*window 2026-01-02 … 2026-01-04, held out from 2026-01-04; gate passed/);
  });

  it('refuses a second retrain while one runs; a retrain killed midway leaves the champion, and the next one takes over its lock', async () => {
    const aliases = readFileSync(join(registry, 'aliases.json'), 'utf8');
    // the default preset trains for tens of seconds here: long enough to be caught midway
    const child = spawn(process.execPath, [BIN, ...RETRAIN(), '--preset', 'default'], { stdio: 'ignore' });
    const windows = readdirSync(join(registry, 'data')).length;
    await until(() => existsSync(join(registry, '.lock')) && readdirSync(join(registry, 'data')).length > windows, 60_000); // its window is cut: training
    const second = adrank(...RETRAIN());
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/\[LOCKED\] the registry is busy: adrank retrain \(pid \d+/);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(readFileSync(join(registry, 'aliases.json'), 'utf8')).toBe(aliases);
    expect(JSON.parse(adrank('registry', 'list', '--registry', registry, '--json').stdout).runs).toHaveLength(1);
    expect(existsSync(join(registry, '.lock'))).toBe(true); // stale: its process is gone
    const next = adrank(...RETRAIN(), '--json');
    expect(next.code, next.stderr).toBe(0);
    expect(existsSync(join(registry, '.lock'))).toBe(false);
    const list = JSON.parse(adrank('registry', 'list', '--registry', registry, '--json').stdout);
    expect(list.runs).toHaveLength(2);
  }, 120_000);

  it('promotes and rolls back by hand', () => {
    const list = JSON.parse(adrank('registry', 'list', '--registry', registry, '--json').stdout);
    const [first, second] = list.runs.map((r: { id: string }) => r.id);
    expect(list.champion).toBe(second); // the retrain after the killed one was promoted
    expect(adrank('registry', 'promote', first, '--registry', registry).code).toBe(0);
    expect(JSON.parse(adrank('registry', 'list', '--registry', registry, '--json').stdout).champion).toBe(first);
    const rolled = JSON.parse(adrank('registry', 'rollback', '--registry', registry, '--json').stdout);
    expect(rolled.champion).toBe(second);
    const missing = adrank('registry', 'promote', 'no-such-run', '--registry', registry);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-run, which is not in the registry');
  });

  it('serves the champion and follows it when the alias moves; a broken alias keeps the current run serving', async () => {
    const list = JSON.parse(adrank('registry', 'list', '--registry', registry, '--json').stdout);
    const [first, second] = list.runs.map((r: { id: string; createdAt: string }) => r);
    adrank('registry', 'promote', first.id, '--registry', registry);
    const server = spawn(process.execPath, [BIN, 'serve', '--registry', registry, '--port', '0', '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      server.stdout.on('data', (b: Buffer) => (out += b.toString()));
      await until(() => /on (http:\/\/\S+)/.test(out), 60_000);
      const base = /on (http:\/\/\S+)/.exec(out)![1];
      const ready = async (): Promise<string> => ((await (await fetch(`${base}/readyz`)).json()) as { run_id: string }).run_id;
      const manifestTime = (id: string): string => JSON.parse(readFileSync(join(registry, 'runs', id, 'manifest.json'), 'utf8')).createdAt;
      expect(await ready()).toBe(manifestTime(first.id));
      expect(adrank('registry', 'promote', second.id, '--registry', registry).code).toBe(0);
      const moved = Date.now() + 30_000;
      while ((await ready()) !== manifestTime(second.id)) {
        if (Date.now() > moved) throw new Error('the server did not follow the champion');
        await new Promise((r) => setTimeout(r, 100));
      }
      const path = join(registry, 'aliases.json');
      const good = readFileSync(path, 'utf8');
      writeFileSync(path, '{ not json');
      await new Promise((r) => setTimeout(r, 1500));
      writeFileSync(path, JSON.stringify({ ...JSON.parse(good), champion: 'run-that-is-gone' }));
      await new Promise((r) => setTimeout(r, 1500));
      expect(await ready()).toBe(manifestTime(second.id));
      const rank = await fetch(`${base}/v1/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 1, device: 'mobile', location: 'US', weekday: 1, month: 1, hour: 12 }) });
      expect(rank.status).toBe(200);
      writeFileSync(path, good);
      // the rolling drift gauges: 20 requests from a place the run never saw, all on tablets
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${base}/v1/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 1 + i, device: 'tablet', location: 'Mars', weekday: 1, month: 1, hour: 12 }) });
        expect(r.status).toBe(200);
      }
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const gauge = (name: string, feature?: string): number => Number(new RegExp(`^${name}${feature ? `\\{feature="${feature}"\\}` : ''} (\\S+)$`, 'm').exec(metrics)?.[1]);
      expect(gauge('adrank_rolling_requests')).toBe(21);
      expect(gauge('adrank_rolling_oov_share', 'location')).toBeCloseTo(20 / 21, 6);
      expect(gauge('adrank_rolling_oov_share', 'device')).toBe(0);
      expect(gauge('adrank_rolling_psi', 'device')).toBeGreaterThan(0.25);
      expect(gauge('adrank_rolling_psi', 'weekday')).toBeNaN(); // no PSI gauge for the clock's features: a window of requests shares one weekday
      expect(gauge('adrank_rolling_mean_pctr')).toBeGreaterThan(0);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
    }
  }, 120_000);

  it('refuses a corrupt alias file with exit code 2, naming it, before any work', () => {
    const path = join(registry, 'aliases.json');
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, '{"format": "adrank-aliases", "version": 1, "champion": ');
    for (const r of [adrank('registry', 'list', '--registry', registry), adrank(...RETRAIN())]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`[BAD_ARTIFACT] the alias file ${path} is corrupt`);
    }
    expect(readdirSync(join(registry, 'runs')).filter((f) => !f.startsWith('.'))).toHaveLength(2);
    writeFileSync(path, good);
  });
});
