// adrank schedule as a user runs it: a first run at start (nothing to wait for), ticks at the interval with the
// ones that arrive while a retrain still runs skipped, and a run missed while the scheduler was down made up at start.
import { spawnSync } from 'node:child_process';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEvery } from '../src/ops/schedule.js';
import { tempDir } from './helpers.js';
import { cutDays, makeDriftWorld } from './ops-fixtures.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();
const registry = join(root, 'registry');
let data: string;

function schedule(...args: string[]): { code: number; stdout: string; stderr: string } {
  return scheduleFor(240_000, ...args);
}

/** The scheduler, sent SIGTERM after `ms`. */
function scheduleFor(ms: number, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'schedule', '--data', data, '--registry', registry, '--window-days', '3', '--gate', join(root, 'gate.json'), ...args], { encoding: 'utf8', timeout: ms });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  const world = await makeDriftWorld(join(root, 'world'), 4, 15_000);
  data = cutDays(world, join(root, 'data'), 4);
  writeFileSync(join(root, 'gate.json'), JSON.stringify({ ctr: { calibrationRatio: [0.8, 1.25], eceMax: 0.01 } }));
}, 120_000);

describe('adrank schedule', () => {
  it('reads durations and refuses what is not one', () => {
    expect([parseEvery('24h'), parseEvery('30m'), parseEvery('90s'), parseEvery('1d')]).toEqual([86400, 1800, 90, 86400]);
    expect(() => parseEvery('daily')).toThrow(/not a duration/);
    expect(() => parseEvery('0s')).toThrow(/not a duration/);
  });

  it('runs at start, then every interval, skipping ticks that arrive while a retrain runs', () => {
    const r = schedule('--every', '1s', '--max-runs', '3', '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(['promoted', 'promoted', 'promoted']);
    const human = schedule('--every', '1s', '--max-runs', '2');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('a retrain is still running: this tick is skipped');
    expect(readdirSync(join(registry, 'records'))).toHaveLength(5);
  }, 240_000);

  it('makes up a run missed while it was down, once, at start', () => {
    const records = join(registry, 'records');
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const f of readdirSync(records)) utimesSync(join(records, f), old, old);
    const r = schedule('--every', '1h', '--max-runs', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the last retrain was \d+ s ago, more than the interval: making it up now/);
    expect(readdirSync(records)).toHaveLength(6);
  }, 120_000);

  it('after a recent retrain, waits out the rest of the interval instead of retraining at start', () => {
    const records = join(registry, 'records');
    const before = readdirSync(records).length;
    const recent = new Date(Date.now() - 600_000); // ten minutes ago
    for (const f of readdirSync(records)) utimesSync(join(records, f), recent, recent);
    const started = Date.now();
    const r = scheduleFor(8000, '--every', '1h', '--max-runs', '1');
    const next = /next retrain at (\S+)/.exec(r.stdout)?.[1];
    expect(next, r.stdout + r.stderr).toBeDefined();
    const wait = Date.parse(next!) - started;
    expect(wait).toBeGreaterThan(49 * 60_000);
    expect(wait).toBeLessThan(51 * 60_000);
    expect(readdirSync(records)).toHaveLength(before);
  }, 60_000);
});
