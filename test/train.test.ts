// `adrank train` as a user runs it (the built CLI in a child process): the seed preset on the seed world prints
// the blog's tables and writes a complete, verifiable run; bad configs, bad data and tampered runs are refused
// with the path, the field or the row, and a failed run leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAdrankError } from '../src/core/errors.js';
import { readModelMetadata } from '../src/engine/onnx/read-model.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { verifyRun } from '../src/pipeline/run-dir.js';
import type { RunMetrics } from '../src/pipeline/stages/run-evaluation.js';
import { makeWorld, setField, tempDir } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();

function adrank(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let seedDir: string;
let seedRun: string;
let seedOutput: string;

beforeAll(async () => {
  seedDir = await makeWorld(join(root, 'seed'));
  seedRun = join(root, 'runs', 'seed');
  const r = adrank('train', '--data', seedDir, '--out', seedRun, '--preset', 'seed', '--no-screenshot');
  expect(r.code, r.stderr).toBe(0);
  seedOutput = r.stdout;
});

describe('adrank train --preset seed on the seed world', () => {
  it('writes every artifact of a run, with a manifest that verifies and models that carry the FeatureMap hash', async () => {
    for (const file of ['run.json', 'feature_map.json', 'online/meta.json', 'models/user_tower.onnx', 'models/ad_tower.onnx', 'models/ctr.onnx', 'models/cvr.onnx', 'calibration.json', 'metrics.json', 'report.html', 'index/ad_vectors.f32', 'manifest.json']) {
      expect(existsSync(join(seedRun, file)), file).toBe(true);
    }
    const manifest = await verifyRun(seedRun);
    const hash = JSON.parse(readFileSync(join(seedRun, 'feature_map.json'), 'utf8')).contentHash;
    expect(manifest.featureMapHash).toBe(hash);
    for (const model of ['ctr', 'cvr', 'user_tower', 'ad_tower']) {
      expect(readModelMetadata(readFileSync(join(seedRun, 'models', `${model}.onnx`))).get('adrank.feature_map_hash'), model).toBe(hash);
    }
    const run = await loadRun(seedRun);
    expect(run.ctrFeatures.categorical).toHaveLength(12);
    expect(run.adVectors.length).toBe(20 * 64);
    const info = JSON.parse(readFileSync(join(seedRun, 'run.json'), 'utf8'));
    expect(info.config.name).toBe('seed');
    expect(info.inputs.event_log.rows).toBe(500);
    expect(info.inputs.event_log.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.timings.map((t: { stage: string }) => t.stage)).toContain('CTR model');
    expect(readdirSync(join(root, 'runs')).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary folder left
  });

  it("prints the blog's tables: top ads per user, and calibrated mean pCTR within 0.02 of the actual CTR", () => {
    const metrics = JSON.parse(readFileSync(join(seedRun, 'metrics.json'), 'utf8')) as RunMetrics;
    expect(metrics.protocol.kind).toBe('seed');
    expect(seedOutput).toContain("the seed's protocol");
    const category = (adId: number): string => (adId <= 7 ? 'shoes' : adId <= 14 ? 'tech' : 'food');
    const preferred: Record<number, string> = { 1: 'shoes', 4: 'tech', 7: 'food' };
    expect(metrics.examples.users.map((u) => u.userId)).toEqual([1, 4, 7]);
    for (const user of metrics.examples.users) {
      expect(user.byPctr).toHaveLength(5);
      expect(user.byTwoTower).toHaveLength(5);
      const own = user.byPctr.filter((a) => category(a.adId) === preferred[user.userId]).length;
      expect(own, `user ${user.userId}: top 5 by pCTR, own category`).toBeGreaterThanOrEqual(3);
      expect(seedOutput).toContain(`user ${user.userId} — top 5 by calibrated pCTR`);
    }
    const ex = metrics.examples;
    expect(Math.abs(ex.meanCalibratedPctr - ex.actualCtr)).toBeLessThan(0.02);
    expect(Math.abs(ex.meanRawPctr - ex.actualCtr)).toBeGreaterThan(0.05); // focal loss leaves the raw mean off, as in the blog
  });

  it('refuses a tampered run, naming the file', async () => {
    const tampered = join(root, 'tampered');
    spawnSync('cp', ['-r', seedRun, tampered]);
    const onnx = readFileSync(join(tampered, 'models', 'ctr.onnx'));
    onnx[onnx.length - 10] ^= 0xff;
    writeFileSync(join(tampered, 'models', 'ctr.onnx'), onnx);
    const error = await loadRun(tampered).then(() => undefined, (e: unknown) => e);
    expect(isAdrankError(error) && error.code).toBe('BAD_ARTIFACT');
    expect(isAdrankError(error) && error.location.file).toContain('ctr.onnx');
    const missing = await loadRun(join(root, 'nowhere')).then(() => undefined, (e: unknown) => e);
    expect(isAdrankError(missing) && missing.code).toBe('FILE_NOT_FOUND');
  });
});

describe('adrank train refuses bad input before writing anything', () => {
  it('a config with an unknown key or a wrong type fails with its path', () => {
    const unknown = join(root, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ ctr: { crossingLayers: 2 } }));
    const r = adrank('train', '--data', seedDir, '--out', join(root, 'runs', 'x'), '--config', unknown, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'BAD_CONFIG', field: 'config.ctr.crossingLayers', file: unknown });
    const wrongType = join(root, 'type.json');
    writeFileSync(wrongType, JSON.stringify({ ctr: { training: { epochs: 'many' } } }));
    const t = adrank('train', '--data', seedDir, '--out', join(root, 'runs', 'x'), '--config', wrongType, '--json');
    expect(JSON.parse(t.stdout).error).toMatchObject({ code: 'BAD_CONFIG', field: 'config.ctr.training.epochs' });
    expect(existsSync(join(root, 'runs', 'x'))).toBe(false);
  });

  it('--print-config shows the resolved config', () => {
    const r = adrank('train', '--print-config', '--preset', 'seed');
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout);
    expect(config.ctr.training).toMatchObject({ batchSize: 16, epochs: 20 });
    expect(config.retrieval).toMatchObject({ kind: 'sampled', negatives: 4 });
    expect(config.cvr.kind).toBe('clicked');
    expect(config.ctr.loss.kind).toBe('focal');
  });

  it('a data error fails with its row and leaves no run and no temporary folder', async () => {
    const bad = join(root, 'bad');
    spawnSync('cp', ['-r', seedDir, bad]);
    setField(join(bad, 'event_log.csv'), 17, 'hour', '31');
    const out = join(root, 'runs', 'bad');
    const r = adrank('train', '--data', bad, '--out', out, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'OUT_OF_RANGE', row: 17, column: 'hour' });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(join(root, 'runs')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('an existing run is not overwritten without --replace, and a foreign folder never', () => {
    const again = adrank('train', '--data', seedDir, '--out', seedRun, '--preset', 'seed');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--replace');
    const foreign = join(root, 'foreign');
    spawnSync('mkdir', ['-p', join(foreign, 'keep')]);
    writeFileSync(join(foreign, 'keep', 'me.txt'), 'x');
    const r = adrank('train', '--data', seedDir, '--out', foreign, '--preset', 'seed', '--replace');
    expect(r.code).toBe(2);
    expect(readFileSync(join(foreign, 'keep', 'me.txt'), 'utf8')).toBe('x');
  });
});
