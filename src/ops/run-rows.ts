// Event rows as a trained run sees them: the run's own training log (the files its run.json names, checked by
// SHA-256) is loaded beside the events, the run's feature recipe rebuilds the end-of-training aggregates, and the
// events are encoded with the run's FeatureMap and scored with its models and calibration — the code path of the
// run's own held-out evaluation, so scoring the run's held-out log this way reproduces its metrics.json.
// The catalogues are the current ones (the events may show users and ads the run never saw: they take the cold path).
// Legend: N events.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdrankError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { loadData, type LoadedData } from '../data/load.js';
import type { DataSources, TableSource } from '../data/sources.js';
import { scanClickHistory } from '../features/click-history.js';
import { encodeTable, type EncodedTable } from '../features/encoder.js';
import { buildFeatures, type FeatureStage } from '../features/pipeline.js';
import type { LoadedRun } from '../pipeline/load-run.js';
import { CARVED_SHARE } from '../pipeline/splits.js';
import { modelRows, rankingLogits } from '../pipeline/stages/ranking.js';
import { heldOutProfiles } from '../pipeline/train-run.js';
import { calibrateAll } from '../train/calibration.js';

interface RunInputs {
  inputs: Record<string, { path: string; sha256: string; rows: number }>;
}

/** The run's training inputs as sources, each file checked against the SHA-256 its run.json recorded. */
export async function runTrainingSources(run: LoadedRun): Promise<{ sources: DataSources; carved: boolean }> {
  const info = JSON.parse(await readFile(join(run.dir, 'run.json'), 'utf8')) as RunInputs;
  const source = async (table: 'event_log' | 'user_catalog' | 'ad_catalog' | 'test_event_log'): Promise<TableSource | undefined> => {
    const input = info.inputs[table];
    if (!input) return undefined;
    if (!existsSync(input.path) || (await sha256(input.path)) !== input.sha256) {
      throw new AdrankError('BAD_ARTIFACT', `the ${table} run ${run.dir} was trained on (${input.path}) is ${existsSync(input.path) ? 'no longer the same file' : 'gone'}`, {
        location: { file: input.path },
        hint: 'a run\'s features are rebuilt from its own training data: keep it (runs made by `adrank retrain` keep theirs in the registry\'s data/ folder)',
      });
    }
    return { table, path: input.path, format: /\.parquet$/i.test(input.path) ? 'parquet' : 'csv' };
  };
  const sources: DataSources = { event_log: (await source('event_log'))!, user_catalog: (await source('user_catalog'))!, ad_catalog: (await source('ad_catalog'))! };
  const test = await source('test_event_log');
  if (test) sources.test_event_log = test;
  return { sources, carved: !test };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Loads the run's training log with `catalogs` and `events` as the held-out table (the training log cut as the run cut it). */
export async function loadWithRun(run: LoadedRun, events: TableSource, catalogs?: Pick<DataSources, 'user_catalog' | 'ad_catalog'>): Promise<LoadedData> {
  const { sources, carved } = await runTrainingSources(run);
  const data = await loadData({ ...sources, ...(catalogs ?? {}), test_event_log: { ...events, table: 'test_event_log' } });
  if (carved) {
    // the run carved its held-out log from the end of the event log: its training rows are the first 90%
    const n = data.counts.events;
    const cut = Math.floor(n * (1 - CARVED_SHARE));
    await data.db.run(`DELETE FROM event_log WHERE event_idx >= ${cut}`);
    data.counts.events = cut;
  }
  return data;
}

export interface ScoredEvents {
  /** the events encoded with the run's FeatureMap, end-of-training aggregates (N rows, event order) */
  table: EncodedTable;
  /** calibrated pCTR and pCVR (N) */
  pctr: Float32Array;
  pcvr: Float32Array;
  stage: FeatureStage;
}

/** Encodes and scores the held-out table of `data` (loaded by loadWithRun) with `run`. */
export async function scoreHeldOut(run: LoadedRun, data: LoadedData): Promise<ScoredEvents> {
  const f = run.config.features;
  const stage = await buildFeatures(data, { mode: f.mode, ctrPriorStrength: f.ctrPriorStrength }, {
    minCount: f.minCount, maxIdRows: f.maxIdRows, idRows: f.idRows, minIdEvents: f.minIdEvents, hashShare: f.hashShare,
  });
  const table = await encodeTable(data.db, stage.tables.test!, run.featureMap);
  return { table, ...(await scoreTable(run, data, table)), stage };
}

/** Calibrated pCTR and pCVR (N) of held-out rows already encoded with the run's FeatureMap. */
export async function scoreTable(run: LoadedRun, data: LoadedData, table: EncodedTable): Promise<{ pctr: Float32Array; pcvr: Float32Array }> {
  const f = run.config.features;
  const C = run.retrieval.categories.length;
  const wantProfiles = run.config.ctr.categoryProfile || run.config.cvr.categoryProfile;
  const profiles = wantProfiles
    ? heldOutProfiles(await scanClickHistory(data.db, 'event_log', { ctrPriorStrength: f.ctrPriorStrength, negatives: run.config.retrieval.negatives, rng: new Rng(run.config.seed).fork('negatives'), profiles: true }), table)
    : null;
  const ctrLogits = await rankingLogits(run.models.ctr.bytes, 'dlrm', modelRows(run.config.ctr, table, profiles, C));
  const cvrLogits = await rankingLogits(run.models.cvr.bytes, run.models.cvr.kind, modelRows(run.config.cvr, table, profiles, C));
  return { pctr: calibrateAll(run.calibration.ctr, ctrLogits), pcvr: calibrateAll(run.calibration.cvr, cvrLogits) };
}

/** Scores `events` with `run` (see the file comment). */
export async function scoreEvents(run: LoadedRun, events: TableSource, catalogs?: Pick<DataSources, 'user_catalog' | 'ad_catalog'>): Promise<ScoredEvents> {
  const data = await loadWithRun(run, events, catalogs);
  try {
    return await scoreHeldOut(run, data);
  } finally {
    data.db.close();
  }
}
