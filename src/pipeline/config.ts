// The configuration of `adrank train`: one strict schema for every stage (unknown keys fail with their path,
// values are checked once, then the config is frozen). Presets live as files in configs/ (seed.json reproduces
// the blog, default.json is adrank's own choice); a user's file is laid over a preset key by key.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdrankError } from '../core/errors.js';
import { deepFreeze, deepMerge, fail, readArray, readBoolean, readChoice, readInt, readNumber, readObject, readString, requireKeys } from '../core/strict-config.js';
import type { FeatureSelection } from '../features/encoder.js';

export interface OptimizerConfig {
  dense: { lr: number; weightDecay: number };
  /** the embedding tables' optimizer; weightDecay shrinks the touched rows each step (0 = the seed's SparseAdam) */
  sparse: { kind: 'lazy-adam' | 'adagrad'; lr: number; weightDecay: number };
}

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  patience: number;
  selectBy: 'loss' | 'auc';
  optimizer: OptimizerConfig;
  /** standard deviation of the embedding tables' initial N(0, σ²) (the seed: 1, as nn.Embedding) */
  embeddingInitStd: number;
}

export type LossConfig = { kind: 'bce' } | { kind: 'focal'; alpha: number; gamma: number };

export interface RankingModelConfig {
  features: FeatureSelection;
  /** append the user's category profile — affinity and log impressions in every category — to the numericals */
  categoryProfile: boolean;
  embeddingDim: number;
  projectionDim: number;
  hidden: number[];
  dropout: number;
  loss: LossConfig;
  training: TrainingConfig;
}

export interface RetrievalConfig {
  /** 'sampled': the seed (K uniform negatives per click, softmax over 1+K); 'in-batch': all of a batch's ads, logQ-corrected */
  kind: 'sampled' | 'in-batch';
  user: FeatureSelection & { categoryAffinity: boolean; categoryImpressions: boolean };
  ad: FeatureSelection;
  embeddingDim: number;
  hidden: number[];
  outDim: number;
  negatives: number;
  /**
   * how popularity enters ('in-batch' only): 'correct' subtracts log q from every column in training (Yi et al.
   * 2019), so the towers must learn popularity from features; 'prior' trains the towers on the uncorrected softmax
   * (a popularity-free affinity) and adds each ad's log q — its smoothed click share — back at retrieval, as one more
   * component of the ad vectors
   */
  popularity: 'correct' | 'prior';
  training: TrainingConfig;
}

export interface TrainConfig {
  name: string;
  seed: number;
  features: {
    mode: 'point-in-time' | 'snapshot';
    ctrPriorStrength: number;
    minCount: number;
    maxIdRows: number;
    idRows: 'events' | 'catalog';
    minIdEvents: number;
    hashShare: number;
  };
  splits: {
    /** the last share of the training log validates (early stopping, model choice) */
    validationShare: number;
    /** 'holdout': calibrate on the held-out log's earlier half, report on its later half; 'seed': both on all of it (the blog's protocol) */
    protocol: 'holdout' | 'seed';
  };
  retrieval: RetrievalConfig;
  ctr: RankingModelConfig;
  /** 'clicked': the seed's CVR model on clicked rows; 'esmm': pCTR × pCVR over all impressions (Ma et al. 2018) */
  cvr: RankingModelConfig & { kind: 'clicked' | 'esmm' };
  calibration: { method: 'platt' | 'isotonic' };
  evaluation: { recallAtK: number[]; baselines: boolean };
  /**
   * What the serving index ranks ads by (src/pipeline/shortlist.ts): 'tower', the two-tower score (the seed);
   * 'revenue', an inner-product fit of the ranker's log expected revenue, on at most `maxPairs` (request, ad) pairs
   * of `requests` sampled requests. `candidates` is the shortlist size its fit is checked at.
   */
  shortlist: { kind: 'tower' | 'revenue'; requests: number; maxPairs: number; candidates: number };
}

const strings = (v: unknown, p: string): string[] => readArray(v, p, readString);

function readSelection(raw: Record<string, unknown>, path: string): FeatureSelection {
  return { categorical: strings(raw.categorical, `${path}.categorical`), numerical: strings(raw.numerical, `${path}.numerical`) };
}

function readTraining(value: unknown, path: string): TrainingConfig {
  const keys = ['epochs', 'batchSize', 'patience', 'selectBy', 'optimizer', 'embeddingInitStd'];
  const raw = readObject(value, path, keys);
  requireKeys(raw, path, keys);
  const optimizer = readObject(raw.optimizer, `${path}.optimizer`, ['dense', 'sparse']);
  requireKeys(optimizer, `${path}.optimizer`, ['dense', 'sparse']);
  const dense = readObject(optimizer.dense, `${path}.optimizer.dense`, ['lr', 'weightDecay']);
  const sparse = readObject(optimizer.sparse, `${path}.optimizer.sparse`, ['kind', 'lr', 'weightDecay']);
  requireKeys(dense, `${path}.optimizer.dense`, ['lr', 'weightDecay']);
  requireKeys(sparse, `${path}.optimizer.sparse`, ['kind', 'lr']);
  return {
    epochs: readInt(raw.epochs, `${path}.epochs`, 1),
    batchSize: readInt(raw.batchSize, `${path}.batchSize`, 1),
    patience: readInt(raw.patience, `${path}.patience`, 1),
    selectBy: readChoice(raw.selectBy, `${path}.selectBy`, ['loss', 'auc'] as const),
    optimizer: {
      dense: { lr: readNumber(dense.lr, `${path}.optimizer.dense.lr`, 1e-9, 10), weightDecay: readNumber(dense.weightDecay, `${path}.optimizer.dense.weightDecay`, 0, 1) },
      sparse: {
        kind: readChoice(sparse.kind, `${path}.optimizer.sparse.kind`, ['lazy-adam', 'adagrad'] as const),
        lr: readNumber(sparse.lr, `${path}.optimizer.sparse.lr`, 1e-9, 10),
        weightDecay: sparse.weightDecay === undefined ? 0 : readNumber(sparse.weightDecay, `${path}.optimizer.sparse.weightDecay`, 0, 100),
      },
    },
    embeddingInitStd: readNumber(raw.embeddingInitStd, `${path}.embeddingInitStd`, 0, 10),
  };
}

function readLoss(value: unknown, path: string): LossConfig {
  const raw = readObject(value, path, ['kind', 'alpha', 'gamma']);
  const kind = readChoice(raw.kind, `${path}.kind`, ['bce', 'focal'] as const);
  if (kind === 'bce') {
    if ('alpha' in raw || 'gamma' in raw) fail(`${path}.${'alpha' in raw ? 'alpha' : 'gamma'}`, 'only focal loss has alpha and gamma', 'remove it, or use kind "focal"');
    return { kind };
  }
  requireKeys(raw, path, ['alpha', 'gamma']);
  return { kind, alpha: readNumber(raw.alpha, `${path}.alpha`, 0, 1), gamma: readNumber(raw.gamma, `${path}.gamma`, 0, 10) };
}

function readRanking(value: unknown, path: string, extra: readonly string[] = []): RankingModelConfig & Record<string, unknown> {
  const keys = ['features', 'categoryProfile', 'embeddingDim', 'projectionDim', 'hidden', 'dropout', 'loss', 'training', ...extra];
  const raw = readObject(value, path, keys);
  requireKeys(raw, path, keys);
  const features = readObject(raw.features, `${path}.features`, ['categorical', 'numerical']);
  requireKeys(features, `${path}.features`, ['categorical', 'numerical']);
  return {
    ...raw,
    features: readSelection(features, `${path}.features`),
    categoryProfile: readBoolean(raw.categoryProfile, `${path}.categoryProfile`),
    embeddingDim: readInt(raw.embeddingDim, `${path}.embeddingDim`, 1),
    projectionDim: readInt(raw.projectionDim, `${path}.projectionDim`, 1),
    hidden: readArray(raw.hidden, `${path}.hidden`, (v, p) => readInt(v, p, 1)),
    dropout: readNumber(raw.dropout, `${path}.dropout`, 0, 1),
    loss: readLoss(raw.loss, `${path}.loss`),
    training: readTraining(raw.training, `${path}.training`),
  };
}

function readRetrieval(value: unknown, path: string): RetrievalConfig {
  const keys = ['kind', 'user', 'ad', 'embeddingDim', 'hidden', 'outDim', 'negatives', 'popularity', 'training'];
  const raw = readObject(value, path, keys);
  requireKeys(raw, path, keys);
  const user = readObject(raw.user, `${path}.user`, ['categorical', 'numerical', 'categoryAffinity', 'categoryImpressions']);
  requireKeys(user, `${path}.user`, ['categorical', 'numerical', 'categoryAffinity', 'categoryImpressions']);
  const ad = readObject(raw.ad, `${path}.ad`, ['categorical', 'numerical']);
  requireKeys(ad, `${path}.ad`, ['categorical', 'numerical']);
  return {
    kind: readChoice(raw.kind, `${path}.kind`, ['sampled', 'in-batch'] as const),
    user: {
      ...readSelection(user, `${path}.user`),
      categoryAffinity: readBoolean(user.categoryAffinity, `${path}.user.categoryAffinity`),
      categoryImpressions: readBoolean(user.categoryImpressions, `${path}.user.categoryImpressions`),
    },
    ad: readSelection(ad, `${path}.ad`),
    embeddingDim: readInt(raw.embeddingDim, `${path}.embeddingDim`, 1),
    hidden: readArray(raw.hidden, `${path}.hidden`, (v, p) => readInt(v, p, 1)),
    outDim: readInt(raw.outDim, `${path}.outDim`, 1),
    negatives: readInt(raw.negatives, `${path}.negatives`, 1),
    popularity: readChoice(raw.popularity, `${path}.popularity`, ['correct', 'prior'] as const),
    training: readTraining(raw.training, `${path}.training`),
  };
}

/** Validates an untrusted config (parsed JSON); the result is frozen. */
export function parseTrainConfig(value: unknown, path = 'config'): TrainConfig {
  const keys = ['name', 'seed', 'features', 'splits', 'retrieval', 'ctr', 'cvr', 'calibration', 'evaluation', 'shortlist'];
  const raw = readObject(value, path, keys);
  requireKeys(raw, path, keys);
  const featureKeys = ['mode', 'ctrPriorStrength', 'minCount', 'maxIdRows', 'idRows', 'minIdEvents', 'hashShare'];
  const features = readObject(raw.features, `${path}.features`, featureKeys);
  requireKeys(features, `${path}.features`, featureKeys);
  const splits = readObject(raw.splits, `${path}.splits`, ['validationShare', 'protocol']);
  requireKeys(splits, `${path}.splits`, ['validationShare', 'protocol']);
  const calibration = readObject(raw.calibration, `${path}.calibration`, ['method']);
  requireKeys(calibration, `${path}.calibration`, ['method']);
  const evaluation = readObject(raw.evaluation, `${path}.evaluation`, ['recallAtK', 'baselines']);
  requireKeys(evaluation, `${path}.evaluation`, ['recallAtK', 'baselines']);
  const shortlistKeys = ['kind', 'requests', 'maxPairs', 'candidates'];
  const shortlist = readObject(raw.shortlist, `${path}.shortlist`, shortlistKeys);
  requireKeys(shortlist, `${path}.shortlist`, shortlistKeys);
  const cvr = readRanking(raw.cvr, `${path}.cvr`, ['kind']);
  return deepFreeze({
    name: readString(raw.name, `${path}.name`),
    seed: readInt(raw.seed, `${path}.seed`, 0),
    features: {
      mode: readChoice(features.mode, `${path}.features.mode`, ['point-in-time', 'snapshot'] as const),
      ctrPriorStrength: readNumber(features.ctrPriorStrength, `${path}.features.ctrPriorStrength`, 0, 1e9),
      minCount: readInt(features.minCount, `${path}.features.minCount`, 1),
      maxIdRows: readInt(features.maxIdRows, `${path}.features.maxIdRows`, 3),
      idRows: readChoice(features.idRows, `${path}.features.idRows`, ['events', 'catalog'] as const),
      minIdEvents: readInt(features.minIdEvents, `${path}.features.minIdEvents`, 1),
      hashShare: readNumber(features.hashShare, `${path}.features.hashShare`, 0.01, 1),
    },
    splits: {
      validationShare: readNumber(splits.validationShare, `${path}.splits.validationShare`, 0, 0.9),
      protocol: readChoice(splits.protocol, `${path}.splits.protocol`, ['holdout', 'seed'] as const),
    },
    retrieval: readRetrieval(raw.retrieval, `${path}.retrieval`),
    ctr: readRanking(raw.ctr, `${path}.ctr`),
    cvr: { ...cvr, kind: readChoice(cvr.kind, `${path}.cvr.kind`, ['clicked', 'esmm'] as const) },
    calibration: { method: readChoice(calibration.method, `${path}.calibration.method`, ['platt', 'isotonic'] as const) },
    evaluation: {
      recallAtK: readArray(evaluation.recallAtK, `${path}.evaluation.recallAtK`, (v, p) => readInt(v, p, 1), 1),
      baselines: readBoolean(evaluation.baselines, `${path}.evaluation.baselines`),
    },
    shortlist: {
      kind: readChoice(shortlist.kind, `${path}.shortlist.kind`, ['tower', 'revenue'] as const),
      requests: readInt(shortlist.requests, `${path}.shortlist.requests`, 1),
      maxPairs: readInt(shortlist.maxPairs, `${path}.shortlist.maxPairs`, 1),
      candidates: readInt(shortlist.candidates, `${path}.shortlist.candidates`, 1),
    },
  });
}

export const PRESETS = ['seed', 'default'] as const;
export type PresetName = (typeof PRESETS)[number];

/** configs/ of the package: two levels above this file in src/pipeline, three in dist/src/pipeline. */
function configsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, basename(dirname(dirname(here))) === 'dist' ? '../../../configs' : '../../configs');
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new AdrankError('FILE_NOT_FOUND', `no config file at ${path}`, { location: { file: path }, hint: 'give the path of a JSON config (see `adrank train --print-config`)' });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AdrankError('BAD_CONFIG', `${path} is not valid JSON: ${(e as Error).message}`, { location: { file: path }, hint: 'fix the JSON syntax' });
  }
}

/** The preset's config, with the user's file (if any) laid over it, validated and frozen. */
export async function resolveTrainConfig(preset: PresetName, file?: string): Promise<TrainConfig> {
  const base = await readJson(join(configsDir(), `${preset}.json`));
  const merged = file === undefined ? base : deepMerge(base, await readJson(file));
  try {
    return parseTrainConfig(merged);
  } catch (e) {
    if (e instanceof AdrankError && file !== undefined) e.location.file = file;
    throw e;
  }
}
