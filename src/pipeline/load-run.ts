// Opening a trained run: the manifest checked file by file (run-dir.ts), then the parts that belong together —
// the FeatureMap, each model's metadata (the FeatureMap hash it was trained with and its feature names), the
// calibration maps and the frozen ad vectors. A run whose parts do not match is refused with BAD_ARTIFACT.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdrankError } from '../core/errors.js';
import { readModelMetadata } from '../engine/onnx/read-model.js';
import type { FeatureSelection } from '../features/encoder.js';
import { loadFeatureMap, type FeatureMap } from '../features/feature-map.js';
import type { Calibrator } from '../train/calibration.js';
import type { TrainConfig } from './config.js';
import { verifyRun, type Manifest } from './run-dir.js';
import { towerShortlist, type Shortlist } from './shortlist.js';
import type { TowerFeatures } from './tower-inputs.js';

export const MODEL_FILES = { ctr: 'models/ctr.onnx', cvr: 'models/cvr.onnx', userTower: 'models/user_tower.onnx', adTower: 'models/ad_tower.onnx' } as const;

export interface LoadedModel {
  bytes: Uint8Array;
  categorical: string[];
  numerical: string[];
  /** the categories of the category profile appended to the numericals, when the model reads one */
  profileCategories: string[] | null;
}

export interface LoadedRun {
  dir: string;
  manifest: Manifest;
  config: TrainConfig;
  featureMap: FeatureMap;
  calibration: { ctr: Calibrator; cvr: Calibrator };
  models: { ctr: LoadedModel & { kind: 'dlrm' }; cvr: LoadedModel & { kind: 'dlrm' | 'esmm' }; userTower: LoadedModel; adTower: LoadedModel };
  /** frozen ad vectors in ad catalogue order (A, O) */
  adVectors: Float32Array;
  dim: number;
  /** what the serving index ranks by, and how a user's query is made (shortlist.ts) */
  shortlist: Shortlist;
  /** the retrieval towers' features, as the run recorded them */
  retrieval: { user: TowerFeatures; ad: TowerFeatures; categories: string[] };
  ctrFeatures: FeatureSelection;
  cvrFeatures: FeatureSelection;
}

function bad(dir: string, file: string, message: string): AdrankError {
  return new AdrankError('BAD_ARTIFACT', `run ${dir}: ${message}`, { location: { file: join(dir, file) }, hint: 'the run mixes parts of different runs; build it again with `adrank train`' });
}

async function readJson<T>(dir: string, file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(join(dir, file), 'utf8')) as T;
  } catch (e) {
    throw bad(dir, file, `cannot read ${file}: ${(e as Error).message}`);
  }
}

async function readModel(dir: string, file: string, featureMapHash: string): Promise<LoadedModel & { meta: Map<string, string> }> {
  const bytes = new Uint8Array(await readFile(join(dir, file)));
  let meta: Map<string, string>;
  try {
    meta = readModelMetadata(bytes);
  } catch {
    throw bad(dir, file, `${file} is not an ONNX model`);
  }
  const hash = meta.get('adrank.feature_map_hash');
  if (hash !== featureMapHash) throw bad(dir, file, `${file} was trained with FeatureMap ${hash ?? '(none)'}, the run's is ${featureMapHash}`);
  const list = (key: string): string[] => JSON.parse(meta.get(key) ?? '[]') as string[];
  const profile = meta.get('adrank.category_profile');
  return { bytes, categorical: list('adrank.categorical'), numerical: list('adrank.numerical'), profileCategories: profile ? (JSON.parse(profile) as string[]) : null, meta };
}

/** Opens and checks a run written by `adrank train`. */
export async function loadRun(dir: string): Promise<LoadedRun> {
  const manifest = await verifyRun(dir);
  if (manifest.kind !== 'train') throw bad(dir, 'manifest.json', 'it is a feature run, not a trained run (no models)');
  const featureMap = await loadFeatureMap(join(dir, 'feature_map.json'));
  if (featureMap.contentHash !== manifest.featureMapHash) throw bad(dir, 'feature_map.json', 'the FeatureMap is not the one the run was built with');
  const info = await readJson<{ config: TrainConfig; models: { retrieval: { user: TowerFeatures; ad: TowerFeatures; categories: string[] }; cvr: { kind: 'dlrm' | 'esmm' } } }>(dir, 'run.json');
  const hash = featureMap.contentHash;
  const ctr = await readModel(dir, MODEL_FILES.ctr, hash);
  const cvr = await readModel(dir, MODEL_FILES.cvr, hash);
  const userTower = await readModel(dir, MODEL_FILES.userTower, hash);
  const adTower = await readModel(dir, MODEL_FILES.adTower, hash);
  const calibration = await readJson<{ ctr: Calibrator; cvr: Calibrator }>(dir, 'calibration.json');
  const indexMeta = await readJson<{ ads: number; dim: number; shortlist?: Shortlist }>(dir, 'index/meta.json');
  const raw = await readFile(join(dir, 'index/ad_vectors.f32'));
  if (raw.byteLength !== indexMeta.ads * indexMeta.dim * 4) throw bad(dir, 'index/ad_vectors.f32', `${raw.byteLength} bytes for ${indexMeta.ads} vectors of ${indexMeta.dim}`);
  const adVectors = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const shortlist = indexMeta.shortlist ?? towerShortlist(indexMeta.dim, info.models.retrieval.categories);
  const C = info.models.retrieval.categories.length;
  if (shortlist.towerDim !== indexMeta.dim || shortlist.dim !== (shortlist.kind === 'tower' ? indexMeta.dim : indexMeta.dim + 1 + C)) {
    throw bad(dir, 'index/meta.json', `the shortlist expects ${shortlist.towerDim}-wide tower vectors in a ${shortlist.dim}-wide index, the run has ${indexMeta.dim} and ${C} categories`);
  }
  return {
    dir, manifest, config: info.config, featureMap, calibration,
    models: {
      ctr: { ...ctr, kind: 'dlrm' }, cvr: { ...cvr, kind: info.models.cvr.kind },
      userTower, adTower,
    },
    adVectors, dim: indexMeta.dim,
    shortlist,
    retrieval: info.models.retrieval,
    ctrFeatures: { categorical: ctr.categorical, numerical: ctr.numerical },
    cvrFeatures: { categorical: cvr.categorical, numerical: cvr.numerical },
  };
}
