// `adrank predict` and `adrank evaluate` as a user runs them (the built CLI in a child process) on a trained run:
// the serving path reproduces the training pipeline's held-out scores exactly, users without training events
// included; output rows follow input rows; bad rows are named by row and column, and with --on-bad-row skip they
// leave an empty line so the output stays aligned; users and ads the run does not know take the cold path and are
// counted; evaluate reports the same metrics on the whole held-out log.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryMetrics } from '../src/eval/metrics.js';
import type { RunEvaluation } from '../src/pipeline/evaluate-run.js';
import type { RunMetrics } from '../src/pipeline/stages/run-evaluation.js';
import { makeWorldSpec, readCsvRows, tempDir } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();
let world: string;
let run: string;
let heldOut: Record<string, string>[];

function adrank(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function predictions(path: string): string[] {
  return readFileSync(path, 'utf8').replace(/\n$/, '').split('\n');
}

function writeEvents(path: string, rows: Record<string, string>[]): string {
  const header = Object.keys(rows[0]);
  writeFileSync(path, [header.join(','), ...rows.map((r) => header.map((h) => r[h]).join(','))].join('\n') + '\n');
  return path;
}

beforeAll(() => {
  return (async () => {
    // many users with few events: a good share of the held-out log is users the run has never seen
    world = await makeWorldSpec(join(root, 'world'), 'small', 5, { users: 6000, ads: 300, advertisers: 30, events: 24_000, testEvents: 8000 });
    run = join(root, 'run');
    const r = adrank('train', '--data', world, '--out', run, '--no-screenshot');
    expect(r.code, r.stderr).toBe(0);
    heldOut = readCsvRows(join(world, 'test_event_log.csv'));
  })();
}, 300_000);

describe('adrank predict', () => {
  it("reproduces the training pipeline's held-out metrics exactly, new users included", () => {
    const out = join(root, 'held-out.csv');
    const r = adrank('predict', '--run', run, '--events', join(world, 'test_event_log.csv'), '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.events).toBe(heldOut.length);
    const lines = predictions(out);
    expect(lines[0]).toBe('pctr,pcvr');
    expect(lines.length - 1).toBe(heldOut.length);
    const probs = lines.slice(1).map((l) => Number(l.split(',')[0]));
    expect(probs.every((p) => Number.isFinite(p) && p > 0 && p < 1)).toBe(true);

    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as RunMetrics;
    const from = heldOut.length - metrics.protocol.reportRows; // train reports on the later half of the held-out log
    const y = Float32Array.from(heldOut.slice(from), (e) => Number(e.clicked));
    const served = binaryMetrics(Float32Array.from(probs.slice(from)), y);
    const trained = metrics.ctr.results.find((m) => m.role === 'model')!.metrics;
    expect(served.auc).toBeCloseTo(trained.auc, 6);
    expect(served.logLoss).toBeCloseTo(trained.logLoss, 6);
    expect(served.calibrationRatio).toBeCloseTo(trained.calibrationRatio, 5);

    // users without training events: the run's cold-user figure, from the served scores
    const trainUsers = new Set(readCsvRows(join(world, 'event_log.csv')).map((e) => e.user_id));
    const cold = heldOut.map((e, i) => ({ e, i })).filter(({ e, i }) => i >= from && !trainUsers.has(e.user_id));
    expect(cold.length).toBeGreaterThan(100);
    expect(summary.newUsers).toBe(heldOut.filter((e) => !trainUsers.has(e.user_id)).length);
    expect(summary.unknownUsers).toBe(0); // every held-out user is in the user catalogue
    const coldMean = cold.reduce((s, { i }) => s + probs[i], 0) / cold.length;
    expect(metrics.coldUsers!.events).toBe(cold.length);
    expect(coldMean).toBeCloseTo(metrics.coldUsers!.meanCalibratedPctr, 6);
  });

  it('writes one row per input row in input order; --raw adds the logits', () => {
    const picked = [5, 0, 3, 2, 4, 1].map((i) => heldOut[i]);
    const forward = join(root, 'forward.csv');
    const backward = join(root, 'backward.csv');
    expect(adrank('predict', '--run', run, '--events', writeEvents(join(root, 'f.csv'), picked), '--out', forward, '--raw').code).toBe(0);
    expect(adrank('predict', '--run', run, '--events', writeEvents(join(root, 'b.csv'), [...picked].reverse()), '--out', backward, '--raw').code).toBe(0);
    const f = predictions(forward);
    const b = predictions(backward);
    expect(f[0]).toBe('pctr,pcvr,ctr_logit,cvr_logit');
    expect(f.slice(1)).toEqual(b.slice(1).reverse());
    for (const line of f.slice(1)) {
      const [pctr, , logit] = line.split(',').map(Number);
      expect(Number.isFinite(logit)).toBe(true);
      expect(pctr).toBeGreaterThan(0);
    }
  });

  it('counts users and ads the run does not know, and scores them on the cold path', () => {
    const rows = [heldOut[0], { ...heldOut[0], user_id: '987654321' }, { ...heldOut[0], ad_id: '987654321' }];
    const out = join(root, 'unknown.csv');
    const r = adrank('predict', '--run', run, '--events', writeEvents(join(root, 'unknown-in.csv'), rows), '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.unknownUsers).toBe(1);
    expect(summary.unknownAds).toBe(1);
    const probs = predictions(out).slice(1).map((l) => Number(l.split(',')[0]));
    expect(probs.every((p) => Number.isFinite(p) && p > 0 && p < 1)).toBe(true);
    expect(new Set(probs).size).toBe(3);
  });

  it('names a bad row by row and column; --on-bad-row skip leaves an empty line in its place', () => {
    const rows = heldOut.slice(0, 5).map((e) => ({ ...e }));
    rows[1].device = 'phone';
    rows[3].hour = '24';
    const input = writeEvents(join(root, 'bad.csv'), rows);
    const out = join(root, 'bad-out.csv');
    const failed = adrank('predict', '--run', run, '--events', input, '--out', out, '--json');
    expect(failed.code).toBe(2);
    const error = JSON.parse(failed.stdout).error;
    expect(error).toMatchObject({ code: 'BAD_TYPE', file: input, row: 2, column: 'device', value: 'phone' });
    expect(existsSync(out)).toBe(false);

    const skipped = adrank('predict', '--run', run, '--events', input, '--out', out, '--on-bad-row', 'skip', '--json');
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout).badRows).toBe(2);
    const lines = predictions(out);
    expect(lines.length).toBe(6);
    expect(lines[2]).toBe(',');
    expect(lines[4]).toBe(',');
    const good = join(root, 'good.csv');
    adrank('predict', '--run', run, '--events', writeEvents(join(root, 'good-in.csv'), heldOut.slice(0, 5)), '--out', good);
    const whole = predictions(good);
    for (const i of [1, 3, 5]) expect(lines[i]).toBe(whole[i]);
  });

  it('refuses a missing column, a file that is not a table and a run that is not one, with the path', () => {
    const noHour = writeEvents(join(root, 'no-hour.csv'), heldOut.slice(0, 3).map(({ hour: _h, ...rest }) => rest));
    const r1 = adrank('predict', '--run', run, '--events', noHour, '--out', join(root, 'x.csv'), '--json');
    expect(r1.code).toBe(2);
    expect(JSON.parse(r1.stdout).error).toMatchObject({ code: 'MISSING_COLUMN', file: noHour, column: 'hour' });
    const r2 = adrank('predict', '--run', world, '--events', noHour, '--out', join(root, 'x.csv'), '--json');
    expect(r2.code).toBe(2);
    expect(JSON.parse(r2.stdout).error.message).toContain(world);
  });
});

describe('adrank evaluate', () => {
  it('reports the metrics of the whole held-out log, the oracle, the cold users and recall through the index', () => {
    const out = join(root, 'evaluation.json');
    const r = adrank('evaluate', '--run', run, '--data', world, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('recall@100');
    const evaluation = JSON.parse(readFileSync(out, 'utf8')) as RunEvaluation;
    expect(evaluation.table).toBe('test_event_log');
    expect(evaluation.events).toBe(heldOut.length);
    // the same scores as predict
    const probs = predictions(join(root, 'held-out.csv')).slice(1).map((l) => Number(l.split(',')[0]));
    const whole = binaryMetrics(Float32Array.from(probs), Float32Array.from(heldOut, (e) => Number(e.clicked)));
    expect(evaluation.ctr.model.auc).toBeCloseTo(whole.auc, 9);
    expect(evaluation.ctr.oracle!.auc).toBeGreaterThan(evaluation.ctr.model.auc);
    expect(evaluation.ctr.segments.map((s) => s.segment)).toEqual(expect.arrayContaining(['returning users', 'new users', 'device mobile']));
    expect(evaluation.cvr.model.rows).toBe(heldOut.filter((e) => e.clicked === '1').length);
    const [r10, r100] = evaluation.retrieval.recall; // the two-tower score over the whole catalogue
    expect(r10).toBeLessThanOrEqual(r100);
    expect(r100).toBeGreaterThan(0.45); // a random 100 of the 300 ads would find a third
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as RunMetrics;
    expect(Math.abs(r100 - metrics.retrieval.results.find((m) => m.role === 'model')!.recall[1])).toBeLessThan(0.1); // train measured it on the later half
    expect(evaluation.retrieval.servedRecall.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(evaluation.coldUsers!.events).toBe(evaluation.newUsers);
    expect(evaluation.newUsers).toBe(JSON.parse(adrank('predict', '--run', run, '--events', join(world, 'test_event_log.csv'), '--out', join(root, 'again.csv'), '--json').stdout).newUsers);
  });
});
