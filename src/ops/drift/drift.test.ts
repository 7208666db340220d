import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { editCsv, makeWorldSpec, tempDir } from '../../../test/helpers.js';
import { QUIET, cutDays, makeDriftWorld } from '../../../test/ops-fixtures.js';
import { Rng } from '../../core/rng.js';
import { resolveSources, type TableSource } from '../../data/sources.js';
import { loadRun, type LoadedRun } from '../../pipeline/load-run.js';
import { trainRun } from '../../pipeline/train-run.js';
import { lightTrainConfig } from '../light-config.js';
import { DEFAULT_DRIFT, computeDrift } from './drift.js';

const root = tempDir();
let world: string;
let run: LoadedRun;
const csv = (path: string): TableSource => ({ table: 'test_event_log', path, format: 'csv' });

beforeAll(async () => {
  world = await makeWorldSpec(join(root, 'world'), 'small', 9, { users: 3000, ads: 600, advertisers: 60, events: 80_000, testEvents: 20_000 });
  await trainRun({ sources: resolveSources(world), out: join(root, 'run'), config: await lightTrainConfig(), onBadRow: 'fail', replace: false, progress: QUIET, screenshot: false });
  run = await loadRun(join(root, 'run'));
}, 180_000);

describe('drift of a log against a run', () => {
  it('keeps every feature of an unchanged log below the warning level', async () => {
    const report = await computeDrift(run, csv(join(world, 'test_event_log.csv')), DEFAULT_DRIFT);
    expect(report.events.rows).toBe(20_000);
    expect(report.features.length).toBe(new Set([...run.ctrFeatures.categorical, ...run.ctrFeatures.numerical, ...run.cvrFeatures.categorical, ...run.cvrFeatures.numerical]).size);
    for (const f of report.features) expect(f.psi, f.feature).toBeLessThan(0.1);
    expect(report.alerts).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.overall.calibrationRatio).toBeGreaterThan(0.85);
    expect(report.overall.calibrationRatio).toBeLessThan(1.15);
    expect(report.days).toEqual([]); // no event_time: no days
  });

  it('alerts on the one feature that was shifted, and only on it', async () => {
    const shifted = join(root, 'shifted.csv');
    copyFileSync(join(world, 'test_event_log.csv'), shifted);
    const rng = new Rng(1);
    editCsv(shifted, (lines) => [lines[0], ...lines.slice(1).map((l) => (l.includes(',mobile,') && rng.next() < 0.7 ? l.replace(',mobile,', ',tablet,') : l))]);
    const report = await computeDrift(run, csv(shifted), DEFAULT_DRIFT);
    const device = report.features.find((f) => f.feature === 'device')!;
    expect(device.status).toBe('alert');
    expect(device.psi).toBeGreaterThan(0.25);
    expect(device.jensenShannon).toBeGreaterThan(0.2);
    for (const f of report.features.filter((x) => x.feature !== 'device')) expect(f.psi, f.feature).toBeLessThan(0.1);
    expect(report.alerts).toEqual([expect.stringMatching(/^device: PSI \d\.\d{3} ≥ 0\.25$/)]);
  });

  it('refuses a log with a column the schema does not have', async () => {
    const extra = join(root, 'extra.csv');
    copyFileSync(join(world, 'test_event_log.csv'), extra);
    editCsv(extra, (lines) => lines.map((l, i) => `${l},${i === 0 ? 'campaign' : 'c1'}`));
    await expect(computeDrift(run, csv(extra), DEFAULT_DRIFT)).rejects.toMatchObject({ code: 'UNEXPECTED_COLUMN', location: { file: extra, column: 'campaign' } });
  });

  it('reports per day on a drifting log: the new country shows as OOV from its day on', async () => {
    const stream = await makeDriftWorld(join(root, 'stream'), 6, 10_000);
    const data = cutDays(stream, join(root, 'first-days'), 2);
    await trainRun({ sources: resolveSources(data), out: join(root, 'stream-run'), config: await lightTrainConfig(), onBadRow: 'fail', replace: false, progress: QUIET, screenshot: false });
    const streamRun = await loadRun(join(root, 'stream-run'));
    const report = await computeDrift(streamRun, csv(join(stream, 'event_log.csv')), { ...DEFAULT_DRIFT, maxEvents: 30_000 });
    expect(report.events).toMatchObject({ rows: 60_000 });
    expect(report.events.sampled).toBeGreaterThan(27_000);
    expect(report.events.sampled).toBeLessThan(33_000);
    expect(report.days.map((d) => d.day)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06']);
    // the new country's users arrive on day 3 (the middle day of 6): their country is OOV from then on, never before
    const countryOf = (day: number) => report.days[day].features.find((f) => f.feature === 'country')!;
    for (const day of [0, 1, 2]) expect(countryOf(day).oovShare, `day ${day}`).toBe(0);
    for (const day of [3, 4, 5]) expect(countryOf(day).oovShare, `day ${day}`).toBeGreaterThan(0.005);
    expect(countryOf(1).psi).toBeLessThan(0.1);
    expect(countryOf(5).psi).toBeGreaterThan(countryOf(1).psi);
    const country = report.features.find((f) => f.feature === 'country')!;
    expect(country.referenceOovShare).toBe(0);
    expect(country.oovShare).toBeGreaterThan(0.005);
    for (const d of report.days) expect(d.calibrationRatio).toBeGreaterThan(0);
    // the same events without event_time: no days, but the whole-log report (the run's own log has event_time)
    const timeless = join(root, 'timeless.csv');
    copyFileSync(join(stream, 'event_log.csv'), timeless);
    editCsv(timeless, (lines) => {
      const at = lines[0].split(',').indexOf('event_time');
      return lines.map((l) => l.split(',').filter((_, i) => i !== at).join(','));
    });
    const flat = await computeDrift(streamRun, csv(timeless), { ...DEFAULT_DRIFT, maxEvents: 30_000 });
    expect(flat.days).toEqual([]);
    expect(flat.features.find((f) => f.feature === 'country')!.oovShare).toBeGreaterThan(0.005);
  }, 120_000);
});
