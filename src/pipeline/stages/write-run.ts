// The files of a trained run, written into its temporary folder (run-dir.ts renames it into place):
//   models/{user_tower,ad_tower,ctr,cvr}.onnx   each carrying the FeatureMap hash and its feature names
//   index/ad_vectors.f32 + index/meta.json       the frozen ad vectors (catalogue order) and the shortlist (shortlist.ts)
//   index/ann/                                   the serving index over the shortlist's vectors
//   calibration.json, metrics.json, run.json     calibration maps; every metric; config, inputs, versions, timings
//   report.html (+ report.png when Chromium is there)
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isAdrankError } from '../../core/errors.js';
import { writeReport } from '../../eval/report.js';
import { screenshotReport } from '../../eval/report-screenshot.js';
import { buildRunReport } from '../report.js';
import { buildIndex } from '../../index/ad-index.js';
import type { TrainedRun } from '../train-run.js';
import { shortlistVectors, type BuiltShortlist } from '../shortlist.js';
import type { RunMetrics } from './run-evaluation.js';

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const version = (name: string): string => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return { node: process.version, 'onnxruntime-node': version('onnxruntime-node'), '@duckdb/node-api': version('@duckdb/node-api') };
}

async function adrankVersion(): Promise<string> {
  const require = createRequire(import.meta.url);
  for (const path of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(require.resolve(path), 'utf8')) as { name: string; version: string };
      if (pkg.name === 'adrank') return pkg.version;
    } catch {
      // not this level
    }
  }
  return 'unknown';
}

export async function writeRunFiles(dir: string, run: TrainedRun, metrics: RunMetrics, options: { screenshot: boolean; totalSeconds: number; shortlist: BuiltShortlist }): Promise<{ screenshot: string }> {
  await mkdir(join(dir, 'models'), { recursive: true });
  await mkdir(join(dir, 'index'), { recursive: true });
  await writeFile(join(dir, 'models', 'ctr.onnx'), run.models.ctr);
  await writeFile(join(dir, 'models', 'cvr.onnx'), run.models.cvr);
  await writeFile(join(dir, 'models', 'user_tower.onnx'), run.models.userTower);
  await writeFile(join(dir, 'models', 'ad_tower.onnx'), run.models.adTower);
  const vectors = run.retrieval.adVectors;
  await writeFile(join(dir, 'index', 'ad_vectors.f32'), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
  const dim = vectors.length / run.catalog.adId.length;
  const { shortlist, prior, categoryCode } = options.shortlist;
  await writeFile(join(dir, 'index', 'meta.json'), JSON.stringify({ ads: run.catalog.adId.length, dim, order: 'ad catalogue (online/ads.parquet)', shortlist }) + '\n');
  // the serving index over the shortlist's vectors, built once with the run (exact for small catalogues, IVF from 20k ads)
  const index = await buildIndex(shortlistVectors(shortlist, vectors, prior, categoryCode), shortlist.dim, { kind: 'auto' });
  await index.save(join(dir, 'index', 'ann'));
  index.close();
  await writeFile(join(dir, 'calibration.json'), JSON.stringify({ ctr: run.calibration.ctr, cvr: run.calibration.cvr }) + '\n');
  await writeFile(join(dir, 'metrics.json'), JSON.stringify(metrics) + '\n');
  const inputs: Record<string, { path: string; sha256: string; rows: number }> = {};
  const rows: Record<string, number> = { event_log: run.data.counts.events, test_event_log: run.data.counts.testEvents, user_catalog: run.data.counts.users, ad_catalog: run.data.counts.ads };
  for (const [table, source] of Object.entries(run.data.sources)) {
    if (source) inputs[table] = { path: source.path, sha256: await sha256(source.path), rows: rows[table] };
  }
  const runJson = {
    format: 'adrank-run-info', version: 1, adrank: await adrankVersion(), versions: versions(), createdAt: new Date().toISOString(),
    config: run.config, inputs, featureMapHash: run.stage.featureMap.contentHash,
    models: {
      retrieval: { kind: run.config.retrieval.kind, user: run.retrieval.user, ad: run.retrieval.ad, categories: run.retrieval.categories, outDim: run.config.retrieval.outDim },
      ctr: { kind: run.ctr.kind, features: run.config.ctr.features },
      cvr: { kind: run.cvr.kind, features: run.config.cvr.features },
    },
    idEncoders: run.stage.featureMap.ids.map((i) => ({ name: i.name, ...i.report })),
    timings: [...run.timings, { stage: 'total', seconds: options.totalSeconds }],
    summary: summaryOf(metrics),
  };
  await writeFile(join(dir, 'run.json'), JSON.stringify(runJson, null, 1) + '\n');
  await writeReport(join(dir, 'report.html'), buildRunReport(run, metrics, runJson.timings));
  let screenshot = 'skipped';
  if (options.screenshot) {
    try {
      const seen = await screenshotReport(join(dir, 'report.html'), join(dir, 'report.png'));
      screenshot = seen.consoleErrors.length || seen.pageErrors.length ? `written, with page errors: ${[...seen.consoleErrors, ...seen.pageErrors].join('; ')}` : 'written';
    } catch (e) {
      if (!isAdrankError(e)) throw e;
      screenshot = `skipped: ${e.message}`;
    }
  }
  return { screenshot };
}

/** The headline numbers: model against the strongest baseline and the oracle, per task. */
export function summaryOf(metrics: RunMetrics): Record<string, unknown> {
  const pick = (results: RunMetrics['ctr']['results']) => Object.fromEntries(results.map((r) => [r.name, { auc: r.metrics.auc, logLoss: r.metrics.logLoss, ece: r.metrics.ece, calibrationRatio: r.metrics.calibrationRatio }]));
  return {
    ctr: pick(metrics.ctr.results),
    cvr: pick(metrics.cvr.results),
    recall: Object.fromEntries(metrics.retrieval.results.map((r) => [r.name, Object.fromEntries(metrics.retrieval.k.map((k, i) => [`@${k}`, r.recall[i]]))])),
    coldUsers: metrics.coldUsers,
  };
}
