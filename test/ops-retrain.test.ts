// Retraining behind the gate on a drifting world, through the library: a first challenger becomes champion, one
// trained on shuffled labels is refused with the failed checks and both values, a retrain on a newer window is
// promoted, the gate's numbers for a run are the run's own held-out metrics, and a held lock refuses a second retrain.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSources } from '../src/data/sources.js';
import { parseGateConfig } from '../src/ops/gate.js';
import { lightTrainConfig } from '../src/ops/light-config.js';
import { acquireLock } from '../src/ops/registry/lock.js';
import { Registry } from '../src/ops/registry/registry.js';
import { retrain, type RetrainOptions, type RetrainRecord } from '../src/ops/retrain.js';
import type { RunMetrics } from '../src/pipeline/stages/run-evaluation.js';
import { tempDir } from './helpers.js';
import { QUIET, cutDays, makeDriftWorld } from './ops-fixtures.js';

const root = tempDir();
const registryDir = join(root, 'registry');
// At 30k events a day the report half of the held-out day has ~500 clicks: from noise alone Σp/Σy varies by ~4.5%
// and the AUC of one model by ~0.013, so the gate is set to what such a slice can tell apart (see README, Operations).
const gate = parseGateConfig({ ctr: { calibrationRatio: [0.85, 1.15], eceMax: 0.01, aucMaxDrop: 0.02, neMaxRelativeIncrease: 0.02 }, cvr: { aucMaxDrop: null } });
let world: string;
let options: (data: string) => RetrainOptions;
const records: RetrainRecord[] = [];

beforeAll(async () => {
  world = await makeDriftWorld(join(root, 'world'), 5, 30_000);
  const config = await lightTrainConfig();
  options = (data) => ({ data: resolveSources(data), registry: registryDir, windowDays: 3, heldOutDays: 1, config, gate, drift: true, progress: QUIET, log: () => {} });
  records.push(await retrain(options(cutDays(world, join(root, 'd4'), 4))));
}, 300_000);

describe('retrain with a promotion gate', () => {
  it('promotes the first challenger on the value thresholds alone and records the window', async () => {
    const [first] = records;
    expect(first.promoted).toBe(true);
    expect(first.champion).toBeNull();
    expect(first.gate.checks.map((c) => c.name)).toEqual(['ctr.ece', 'ctr.calibration_ratio']);
    expect(first.window).toMatchObject({ from: '2026-01-02', to: '2026-01-04', heldOutFromDate: '2026-01-04', trainEvents: 60_000, heldOutEvents: 30_000 });
    const registry = await Registry.open(registryDir);
    expect((await registry.aliases()).champion).toBe(first.id);
    expect(JSON.parse(readFileSync(registry.recordPath(first.id), 'utf8')).id).toBe(first.id);
    expect(existsSync(join(registry.dataDir(first.id), 'test_event_log.parquet'))).toBe(true);
    expect(first.drift?.against).toBe(first.id); // no champion yet: the held-out day against the challenger's own training
    expect(first.drift?.features.map((f) => f.feature)).toContain('country');
  });

  it("measures a run on the held-out slice exactly as the run's own evaluation did", async () => {
    const [first] = records;
    const metrics = JSON.parse(readFileSync(join(registryDir, 'runs', first.id, 'metrics.json'), 'utf8')) as RunMetrics;
    const own = metrics.ctr.results.find((r) => r.role === 'model')!.metrics;
    expect(first.challenger.metrics.ctr.rows).toBe(own.rows);
    expect(first.challenger.metrics.ctr.auc).toBeCloseTo(own.auc, 6);
    expect(first.challenger.metrics.ctr.logLoss).toBeCloseTo(own.logLoss, 6);
  });

  it('refuses a challenger trained on shuffled labels, naming the failed check with both values, and keeps the champion', async () => {
    const broken = await retrain(options(cutDays(world, join(root, 'd4-broken'), 4, 3)));
    records.push(broken);
    expect(broken.promoted).toBe(false);
    const auc = broken.gate.checks.find((c) => c.name === 'ctr.auc')!;
    expect(auc.passed).toBe(false);
    expect(auc.challenger).toBeLessThan(0.56);
    expect(auc.champion).toBeGreaterThan(0.62);
    expect(broken.gate.failures.join('\n')).toMatch(/ctr\.auc: challenger 0\.\d{4}, champion 0\.\d{4} — required ≥ champion − 0\.02/);
    const aliases = await (await Registry.open(registryDir)).aliases();
    expect(aliases.champion).toBe(records[0].id);
    expect(aliases.challenger).toBe(broken.id);
  });

  it('promotes a challenger trained on the next window that passes against the champion', async () => {
    const next = await retrain(options(cutDays(world, join(root, 'd5'), 5)));
    records.push(next);
    expect(next.champion?.id).toBe(records[0].id);
    expect(next.gate.checks.map((c) => c.name)).toContain('ctr.auc');
    expect(next.gate.passed, next.gate.failures.join('; ')).toBe(true);
    const registry = await Registry.open(registryDir);
    const aliases = await registry.aliases();
    expect(aliases.champion).toBe(next.id);
    expect(aliases.history.map((m) => m.action)).toEqual(['promote', 'challenger', 'promote']);
    expect(registry.runIds()).toEqual(records.map((r) => r.id).sort());
  });

  it('refuses a second retrain while one holds the lock, and leaves the champion', async () => {
    const registry = await Registry.open(registryDir);
    const before = await registry.aliases();
    const lock = await acquireLock(registry.lockPath, 'a retrain in another process');
    try {
      await expect(retrain(options(join(root, 'd5')))).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining('a retrain in another process') });
    } finally {
      await lock.release();
    }
    expect(await registry.aliases()).toEqual(before);
    expect(registry.runIds()).toHaveLength(3);
  });
});
