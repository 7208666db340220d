// The FeatureMap: an encoder for every feature of the feature set (feature-set.ts), fitted on training rows and
// saved as feature_map.json with a content hash. Categorical vocabularies with an explicit OOV row, user_id/ad_id
// encoders (dense, or dense + hashed tail), and standardisation statistics of the numericals after their
// transform. Models pick their fields from it by name; loading it back reproduces identical encodings.
// The statistics are computed from exact DECIMAL sums, so the same data gives the same hash under any threading.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AdrankError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { sqlIdent, type Db } from '../data/duckdb.js';
import type { FeatureMode } from './aggregates.js';
import { CATEGORICAL_FEATURES, ID_FEATURES, NUMERICAL_FEATURES, SEED_CATEGORICAL, transformSql, type FeatureSide, type IdField, type NumericalTransform } from './feature-set.js';
import { fitIdEncoder, idCardinality, type IdEncoderReport, type IdEncoderSpec } from './id-encoder.js';

export interface Vocabulary {
  name: string;
  side: FeatureSide;
  column: string;
  values: string[]; // index i ↔ values[i]
  oovIndex: number; // = values.length
}

export interface IdEncoding {
  name: IdField;
  side: FeatureSide;
  column: string;
  spec: IdEncoderSpec;
  report: IdEncoderReport;
  /**
   * a training row whose user (ad) had no earlier event gets the OOV row instead of its own: the OOV row learns
   * from real first impressions, exactly what an unknown user (ad) looks like at serving time
   */
  coldToOov: boolean;
}

export interface Standardizer {
  name: string;
  side: FeatureSide;
  column: string;
  transform: NumericalTransform;
  mean: number;
  std: number; // sample standard deviation; 0 means the feature is constant and encodes to 0
}

export interface FeatureMapContent {
  version: 2;
  fittedOn: { mode: FeatureMode; ctrPriorStrength: number; trainingRows: number };
  vocabularies: Vocabulary[];
  ids: IdEncoding[];
  numerical: Standardizer[];
}

export interface FeatureMap extends FeatureMapContent {
  contentHash: string;
}

export interface FitOptions {
  /** category values seen fewer times than this in training rows go to the OOV row */
  minCount: number;
  /** the largest user_id / ad_id table (OOV row included) before the tail is hashed */
  maxIdRows: number;
  /**
   * 'events': ids with at least `minIdEvents` training events get rows (the others, and unknown ids, the trained
   * OOV row; cold rows map to OOV); 'catalog': every catalogue id gets a row (the seed's n_users × n_ads tables)
   */
  idRows: 'events' | 'catalog';
  minIdEvents: number;
  /** share of the id table given to hash buckets when the ids outgrow maxIdRows */
  hashShare: number;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { minCount: 1, maxIdRows: 1 << 22, idRows: 'catalog', minIdEvents: 1, hashShare: 0.25 };

const ID_SALT: Record<IdField, number> = { user_id: 0x75736572, ad_id: 0x61640000 };

/** Fits every encoder on the training feature table `table` (event counts from it, the catalogues for 'catalog' ids). */
export async function fitFeatureMap(db: Db, table: string, fittedOn: Omit<FeatureMapContent['fittedOn'], 'trainingRows'>, options: FitOptions = DEFAULT_FIT_OPTIONS): Promise<FeatureMap> {
  const trainingRows = Number(await db.scalar(`SELECT count(*) FROM ${table}`));
  const vocabularies: Vocabulary[] = [];
  for (const feature of CATEGORICAL_FEATURES) {
    let values = feature.fixedValues?.slice();
    if (!values) {
      // most frequent first, ties by value: stable across runs, and the OOV-by-count cut keeps the head
      const rows = await db.rows(`SELECT CAST(${sqlIdent(feature.column)} AS VARCHAR) AS v, count(*) AS n FROM ${table} GROUP BY 1 HAVING count(*) >= ${options.minCount} ORDER BY n DESC, v`);
      values = rows.map((r) => String(r.v));
    }
    vocabularies.push({ name: feature.name, side: feature.side, column: feature.column, values, oovIndex: values.length });
  }
  const ids: IdEncoding[] = [];
  for (const feature of ID_FEATURES) {
    const catalog = feature.name === 'user_id' ? 'user_catalog' : 'ad_catalog';
    const sql = options.idRows === 'catalog'
      ? `SELECT ${feature.column}::DOUBLE AS id, 1::DOUBLE AS n FROM ${catalog}`
      : `SELECT ${feature.column}::DOUBLE AS id, count(*)::DOUBLE AS n FROM ${table} GROUP BY 1 HAVING count(*) >= ${options.minIdEvents}`;
    const count = Number(await db.scalar(`SELECT count(*) FROM (${sql})`));
    const values = new Float64Array(count);
    const counts = new Float64Array(count);
    await db.readInto(sql, { id: values, n: counts });
    const { spec, report } = fitIdEncoder(values, counts, { maxRows: options.maxIdRows, hashShare: options.hashShare, salt: ID_SALT[feature.name] });
    ids.push({ name: feature.name, side: feature.side, column: feature.column, spec, report, coldToOov: options.idRows === 'events' });
  }
  return withHash({ version: 2, fittedOn: { ...fittedOn, trainingRows }, vocabularies, ids, numerical: await fitStandardizers(db, table) });
}

/** Mean and sample standard deviation of every numerical feature, from exact sums (order-independent). */
async function fitStandardizers(db: Db, table: string): Promise<Standardizer[]> {
  const exact = (expr: string): string => `CAST(sum(CAST(${expr} AS DECIMAL(38, 9))) AS DOUBLE)`;
  const parts = NUMERICAL_FEATURES.map((f, i) => {
    const x = transformSql(f.transform, sqlIdent(f.column));
    return `${exact(x)} AS s${i}, ${exact(`(${x}) * (${x})`)} AS q${i}`;
  });
  const row = (await db.rows(`SELECT count(*) AS n, ${parts.join(', ')} FROM ${table}`))[0];
  const n = Number(row.n);
  return NUMERICAL_FEATURES.map((f, i) => {
    const sum = Number(row[`s${i}`] ?? 0);
    const squares = Number(row[`q${i}`] ?? 0);
    const mean = n > 0 ? sum / n : 0;
    const variance = n > 1 ? Math.max(0, (squares - n * mean * mean) / (n - 1)) : 0;
    // a spread at rounding level is a constant column
    const std = Math.sqrt(variance) > 1e-9 * Math.max(1, Math.abs(mean)) ? Math.sqrt(variance) : 0;
    return { name: f.name, side: f.side, column: f.column, transform: f.transform, mean, std };
  });
}

function canonicalJson(content: FeatureMapContent): string {
  return JSON.stringify(content);
}

function withHash(content: FeatureMapContent): FeatureMap {
  return { ...content, contentHash: 'sha256:' + createHash('sha256').update(canonicalJson(content)).digest('hex') };
}

/** The vocabulary of a categorical feature; a name the map does not have is a config error. */
export function vocabularyOf(map: FeatureMapContent, name: string): Vocabulary {
  const vocabulary = map.vocabularies.find((v) => v.name === name);
  if (!vocabulary) throw unknownFeature(map, name, 'categorical');
  return vocabulary;
}

export function idEncodingOf(map: FeatureMapContent, name: string): IdEncoding | undefined {
  return map.ids.find((i) => i.name === name);
}

export function standardizerOf(map: FeatureMapContent, name: string): Standardizer {
  const standardizer = map.numerical.find((s) => s.name === name);
  if (!standardizer) throw unknownFeature(map, name, 'numerical');
  return standardizer;
}

function unknownFeature(map: FeatureMapContent, name: string, kind: 'categorical' | 'numerical'): AdrankError {
  const known = kind === 'categorical' ? [...map.vocabularies.map((v) => v.name), ...map.ids.map((i) => i.name)] : map.numerical.map((s) => s.name);
  return new AdrankError('BAD_CONFIG', `the FeatureMap has no ${kind} feature "${name}"`, { location: { field: name }, hint: `${kind} features: ${known.join(', ')}` });
}

/** The side of a categorical or id feature. */
export function sideOf(map: FeatureMapContent, name: string): FeatureSide {
  return idEncodingOf(map, name)?.side ?? vocabularyOf(map, name).side;
}

/** Embedding table sizes for the named categorical and id fields (default: the seed's twelve), in that order. */
export function fieldCardinalities(map: FeatureMapContent, names: readonly string[] = SEED_CATEGORICAL): { name: string; cardinality: number }[] {
  return names.map((name) => {
    const id = idEncodingOf(map, name);
    return { name, cardinality: id ? idCardinality(id.spec) : vocabularyOf(map, name).values.length + 1 };
  });
}

export async function saveFeatureMap(path: string, map: FeatureMap): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(map, null, 1) + '\n');
}

export async function loadFeatureMap(path: string): Promise<FeatureMap> {
  let parsed: FeatureMap;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as FeatureMap;
  } catch (e) {
    throw new AdrankError('BAD_ARTIFACT', `cannot read the FeatureMap at ${path}: ${(e as Error).message}`, {
      location: { file: path },
      hint: 'build it with `adrank features --data DIR --run RUN` or `adrank train`',
    });
  }
  const { contentHash, ...content } = parsed;
  const expected = withHash(content as FeatureMapContent).contentHash;
  if (parsed.version !== 2 || contentHash !== expected) {
    throw new AdrankError('BAD_ARTIFACT', `the FeatureMap at ${path} does not match its content hash`, {
      location: { file: path, field: 'contentHash', value: String(contentHash) },
      hint: 'the file was edited, truncated or made by another version of adrank; rebuild it',
    });
  }
  return parsed;
}
