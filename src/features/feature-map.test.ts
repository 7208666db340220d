import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { makeWorld, tempDir } from '../../test/helpers.js';
import { AdrankError } from '../core/errors.js';
import { loadData, type LoadedData } from '../data/load.js';
import { resolveSources } from '../data/sources.js';
import { FeatureEncoder, encodeTable, type RawFeatureRow } from './encoder.js';
import { CATEGORICAL_FIELDS, fieldCardinalities, fitFeatureMap, loadFeatureMap, saveFeatureMap, type FeatureMap } from './feature-map.js';
import { compileIdEncoder, fitIdEncoder, idCardinality } from './id-encoder.js';
import { buildFeatures } from './pipeline.js';

const root = tempDir();
let data: LoadedData;
let map: FeatureMap;
let trainTable: string;

beforeAll(async () => {
  const dir = await makeWorld(join(root, 'seed'));
  data = await loadData(resolveSources(dir));
  const stage = await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength: 0 });
  map = stage.featureMap;
  trainTable = stage.tables.train;
});
afterAll(() => data.db.close());

describe('FeatureMap', () => {
  it('has vocabularies with an OOV index, and standardisation fitted on training rows', async () => {
    const byName = Object.fromEntries(map.vocabularies.map((v) => [v.name, v]));
    expect(byName.age_group.values).toEqual(['18-24', '25-34', '35-44', '45+']);
    expect(byName.weekday.values).toHaveLength(7);
    expect(byName.category.values.sort()).toEqual(['food', 'shoes', 'tech']);
    for (const v of map.vocabularies) expect(v.oovIndex).toBe(v.values.length);
    const [stats] = await data.db.rows(`SELECT avg(hour) AS m, stddev_samp(hour) AS s FROM ${trainTable}`);
    expect(map.numerical[0]).toEqual({ name: 'hour', mean: stats.m, std: stats.s });
    expect(map.ids.user_id).toEqual({ kind: 'dense', runStarts: [1], runLengths: [10], rows: 10, oovIndex: 10 });
    expect(fieldCardinalities(map).map((f) => f.cardinality)).toEqual([5, 3, 6, 4, 4, 8, 13, 4, 6, 4, 11, 21]);
  });

  it('round-trips through feature_map.json and reproduces identical encoded batches', async () => {
    const path = join(root, 'feature_map.json');
    await saveFeatureMap(path, map);
    const loaded = await loadFeatureMap(path);
    expect(loaded).toEqual(map);
    const a = await encodeTable(data.db, trainTable, map);
    const b = await encodeTable(data.db, trainTable, loaded);
    expect(b).toEqual(a);
  });

  it('refuses a file that does not match its content hash', async () => {
    const path = join(root, 'tampered.json');
    await saveFeatureMap(path, map);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"18-24"', '"18-25"'));
    await expect(loadFeatureMap(path)).rejects.toThrow(AdrankError);
    await expect(loadFeatureMap(join(root, 'missing.json'))).rejects.toThrow(/cannot read/);
  });
});

describe('encoding', () => {
  it('gives the same rows through DuckDB in bulk and one row at a time', async () => {
    const bulk = await encodeTable(data.db, trainTable, map);
    const rows = (await data.db.rows(`SELECT * FROM ${trainTable} ORDER BY event_idx`)).map((r) => {
      const raw: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(r)) raw[k] = typeof v === 'bigint' ? Number(v) : (v as string | number);
      return raw as unknown as RawFeatureRow;
    });
    const single = new FeatureEncoder(map).encodeRows(rows);
    expect(single.categorical).toEqual(bulk.categorical);
    expect(single.numerical).toEqual(bulk.numerical);
    expect(bulk.clicked.reduce((a, b) => a + b, 0)).toBe(rows.filter((r) => (r as unknown as { clicked: number }).clicked === 1).length);
  });

  it('hashes ids above the cap and encodes the held-out log with OOV rows for unseen values, in both paths', async () => {
    const hashed = await fitFeatureMap(data.db, trainTable, { mode: 'point-in-time', ctrPriorStrength: 0 }, { minCount: 200, maxIdRows: 8 });
    expect(hashed.ids.user_id).toMatchObject({ kind: 'hashed', rows: 8 });
    const countries = hashed.vocabularies.find((v) => v.name === 'country')!;
    expect(countries.values.length).toBeLessThan(5); // rare countries go to OOV under minCount 200
    const bulk = await encodeTable(data.db, 'features_test', hashed);
    const rows = (await data.db.rows('SELECT * FROM features_test ORDER BY event_idx')).map(
      (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])) as unknown as RawFeatureRow,
    );
    const single = new FeatureEncoder(hashed).encodeRows(rows);
    expect(single.categorical).toEqual(bulk.categorical);
    expect(single.numerical).toEqual(bulk.numerical);
    const f = CATEGORICAL_FIELDS.indexOf('country');
    expect(bulk.categorical[f].some((row) => row === countries.oovIndex)).toBe(true);
    expect(Math.max(...bulk.categorical[10])).toBeLessThan(8);
  });

  it('standardises with the training statistics', async () => {
    const bulk = await encodeTable(data.db, trainTable, map);
    for (let m = 0; m < 7; m++) {
      let sum = 0;
      for (let i = 0; i < bulk.n; i++) sum += bulk.numerical[i * 7 + m];
      expect(Math.abs(sum / bulk.n), map.numerical[m].name).toBeLessThan(1e-5);
    }
  });

  it('maps unknown categories and ids to the OOV row', () => {
    const encoder = new FeatureEncoder(map);
    const country = CATEGORICAL_FIELDS.indexOf('country');
    expect(encoder.category(country, 'Atlantis')).toBe(map.vocabularies[country].oovIndex);
    expect(encoder.category(CATEGORICAL_FIELDS.indexOf('weekday'), 8)).toBe(7);
    expect(encoder.userRow(999)).toBe(10);
    expect(encoder.userRow(1)).toBe(0);
    expect(encoder.adRow(20)).toBe(19);
    expect(encoder.adRow(2.5)).toBe(20);
  });
});

describe('id encoders', () => {
  it('are dense and collision-free for catalogues under the cap, with runs of consecutive ids', () => {
    const ids = Float64Array.from([7, 3, 4, 5, 100, 101, 9_007_199_254_740_000]);
    const spec = fitIdEncoder(ids, 100, 1);
    expect(spec).toMatchObject({ kind: 'dense', runStarts: [3, 7, 100, 9_007_199_254_740_000], runLengths: [3, 1, 2, 1], rows: 7 });
    const row = compileIdEncoder(spec);
    expect(Array.from(ids, row).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(row(6)).toBe(7);
    expect(idCardinality(spec)).toBe(8);
  });

  it('hash larger catalogues into the cap, deterministically and evenly', () => {
    const ids = Float64Array.from({ length: 100_000 }, (_, i) => i * 1000 + 17);
    const spec = fitIdEncoder(ids, 1024, 99);
    expect(spec).toEqual({ kind: 'hashed', rows: 1024, salt: 99 });
    const row = compileIdEncoder(spec);
    const counts = new Int32Array(1024);
    for (const id of ids) counts[row(id)]++;
    expect(Math.min(...counts)).toBeGreaterThan(50); // ~98 per row expected
    expect(Math.max(...counts)).toBeLessThan(150);
    expect(row(123_456_789_012)).toBe(compileIdEncoder(spec)(123_456_789_012));
    expect(idCardinality(spec)).toBe(1024);
  });
});
