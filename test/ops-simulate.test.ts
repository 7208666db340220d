// adrank simulate and adrank drift as a user runs them, on a small drifting world: the A/B mode writes its
// day-by-day readout, the off-policy checks and a report whose charts all draw in headless Chromium; the drift
// report of the world's log names its days and draws too; bad input is exit code 2.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, screenshotProblems, screenshotReport } from '../src/eval/report-screenshot.js';
import type { SimulationResult } from '../src/ops/sim/loop.js';
import { makeWorldSpec, tempDir } from './helpers.js';
import { makeDriftWorld } from './ops-fixtures.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();
const haveChromium = existsSync(chromiumPath());
let world: string;
let result: SimulationResult;

function adrank(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  world = await makeDriftWorld(join(root, 'world'), 4, 5000, { users: 2000, ads: 400, advertisers: 40 });
  const r = adrank('simulate', '--world', world, '--days', '2', '--mode', 'ab', '--requests-per-day', '2000', '--initial-events', '20000', '--out', join(root, 'sim'), '--json');
  expect(r.code, r.stderr).toBe(0);
  result = JSON.parse(r.stdout) as SimulationResult;
}, 300_000);

describe('adrank simulate --mode ab', () => {
  it('reads out both arms day by day: expected and realized revenue per request, share of the oracle, 95% intervals', () => {
    expect(result.days.map((d) => d.day)).toEqual([1, 2]);
    for (const d of result.days) {
      expect(d.arms.map((a) => a.name)).toEqual(['frozen', 'retrained']);
      expect(d.arms[0].requests + d.arms[1].requests).toBe(2000);
      for (const a of d.arms) {
        expect(a.shareOfOracle).toBeGreaterThan(0);
        expect(a.shareOfOracle).toBeLessThanOrEqual(1);
        expect(a.realizedInterval.lower).toBeLessThanOrEqual(a.realizedPerRequest);
        expect(a.realizedInterval.upper).toBeGreaterThanOrEqual(a.realizedPerRequest);
      }
    }
    expect(existsSync(join(root, 'sim', 'runs', 'day-00', 'manifest.json'))).toBe(true);
    expect(result.days[0].retrain).toMatchObject({ promoted: expect.any(Boolean) }); // the gated retrain after day 1
    expect(JSON.parse(readFileSync(join(root, 'sim', 'registry', 'aliases.json'), 'utf8')).history[0].to).toBe('day-00');
    expect(JSON.parse(readFileSync(join(root, 'sim', 'simulation.json'), 'utf8')).days).toHaveLength(2);
  });

  it("estimates each arm's policy from the other arm's log, beside the truth and the arm's own measurement", () => {
    expect(result.offPolicy.map((c) => `${c.target}<-${c.logger}`)).toEqual(['retrained<-frozen', 'frozen<-retrained']);
    for (const c of result.offPolicy) {
      expect(c.estimates.map((e) => e.name)).toEqual(['IPS', 'SNIPS', 'DR', 'DM']);
      expect(c.truth).toBeGreaterThan(0);
      expect(c.support).toBeGreaterThan(0);
      expect(c.support).toBeLessThanOrEqual(1 + 1e-9);
      for (const e of c.estimates) {
        expect(Number.isFinite(e.value), e.name).toBe(true);
        expect(e.lower).toBeLessThanOrEqual(e.value);
        expect(e.upper).toBeGreaterThanOrEqual(e.value);
      }
      // the unbiased estimators land near the policy's true value on this seeded run (within 3 standard errors);
      // their coverage over many replicates is measured in src/ops/sim/ope.test.ts
      for (const name of ['IPS', 'SNIPS', 'DR']) {
        const e = c.estimates.find((x) => x.name === name)!;
        expect(Math.abs(e.value - c.truth), `${c.target} ${name} ${e.value} vs ${c.truth} ± ${e.standardError}`).toBeLessThan(3 * e.standardError);
      }
    }
  });

  it('reads out the whole test: each arm with a user-clustered 95% interval, and the lift with its own', () => {
    const ab = result.ab!;
    expect(ab.arms.map((a) => a.name)).toEqual(['frozen', 'retrained']);
    for (const a of ab.arms) expect(a.lower).toBeLessThan(a.upper);
    expect(ab.lift.mean).toBeCloseTo(ab.arms[1].mean - ab.arms[0].mean, 12);
    const width = (x: { lower: number; upper: number }): number => x.upper - x.lower;
    expect(width(ab.lift)).toBeCloseTo(Math.hypot(width(ab.arms[0]), width(ab.arms[1])), 9);
  });

  it('refuses options that would silently change what is measured', () => {
    const one = adrank('simulate', '--world', world, '--days', '1', '--window-days', '1', '--out', join(root, 'sim4'));
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('--window-days 1 leaves no day to train on');
    const keep = adrank('simulate', '--world', world, '--days', '1', '--keep-history', '--out', join(root, 'sim5'));
    expect(keep.code).toBe(2);
    expect(keep.stderr).toContain('--keep-history applies to the ungated retrain only');
  });

  it.skipIf(!haveChromium)('writes a report whose every chart draws', async () => {
    const seen = await screenshotReport(join(root, 'sim', 'report.html'), join(root, 'sim', 'report.png'));
    expect(screenshotProblems(seen)).toEqual([]);
    expect(seen.charts.map((c) => c.id)).toEqual(['sim-revenue', 'sim-share', 'sim-realized']);
  });

  it('refuses more days than the world has, and a world that does not drift', async () => {
    const long = adrank('simulate', '--world', world, '--days', '9', '--out', join(root, 'sim2'));
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('at most 3 can be simulated');
    const still = await makeWorldSpec(join(root, 'still'), 'small', 1, { users: 100, ads: 20, advertisers: 5, events: 500 });
    const r = adrank('simulate', '--world', still, '--days', '1', '--out', join(root, 'sim3'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a world that does not change');
  });
});

describe('adrank drift', () => {
  it('reports the drifting log day by day against the first run, as JSON and as a report whose charts draw', async () => {
    const r = adrank('drift', '--run', join(root, 'sim', 'runs', 'day-00'), '--events', join(world, 'event_log.csv'), '--out', join(root, 'drift.json'), '--report', join(root, 'drift.html'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(root, 'drift.json'), 'utf8'));
    expect(report.days).toHaveLength(4);
    for (const f of report.features) expect(['ok', 'warn', 'alert']).toContain(f.status);
    expect(JSON.parse(r.stdout).features.length).toBe(report.features.length);
    if (haveChromium) {
      const seen = await screenshotReport(join(root, 'drift.html'), join(root, 'drift.png'));
      expect(screenshotProblems(seen)).toEqual([]);
    }
    const missing = adrank('drift', '--run', join(root, 'sim', 'runs', 'day-00'), '--events', join(root, 'nope.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[FILE_NOT_FOUND]');
  }, 120_000);
});
