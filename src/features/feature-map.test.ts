import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { makeWorld, makeWorldSpec, tempDir } from '../../test/helpers.js';
import { AdrankError } from '../core/errors.js';
import { loadData, type LoadedData } from '../data/load.js';
import { resolveSources } from '../data/sources.js';
import { FeatureEncoder, encodeTable, SEED_SELECTION, selectColumns, type FeatureSelection, type RawFeatureRow } from './encoder.js';
import { DEFAULT_FIT_OPTIONS, fieldCardinalities, fitFeatureMap, idEncodingOf, loadFeatureMap, saveFeatureMap, standardizerOf, vocabularyOf, type FeatureMap, type FitOptions } from './feature-map.js';
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

const seedFit = (overrides: Partial<FitOptions> = {}): FitOptions => ({ ...DEFAULT_FIT_OPTIONS, ...overrides });

describe('FeatureMap', () => {
  it('has vocabularies with an OOV index, and standardisation fitted on training rows', async () => {
    const byName = Object.fromEntries(map.vocabularies.map((v) => [v.name, v]));
    expect(byName.age_group.values).toEqual(['18-24', '25-34', '35-44', '45+']);
    expect(byName.weekday.values).toHaveLength(7);
    expect(byName.hour.values).toHaveLength(24);
    expect(byName.category.values.sort()).toEqual(['food', 'shoes', 'tech']);
    for (const v of map.vocabularies) expect(v.oovIndex).toBe(v.values.length);
    const [stats] = await data.db.rows(`SELECT avg(hour) AS m, stddev_samp(hour) AS s, avg(ln(1 + user_impressions)) AS lm FROM ${trainTable}`);
    const hour = standardizerOf(map, 'hour');
    expect(hour.mean).toBeCloseTo(Number(stats.m), 12);
    expect(hour.std).toBeCloseTo(Number(stats.s), 12);
    expect(standardizerOf(map, 'user_impressions_log').mean).toBeCloseTo(Number(stats.lm), 8);
    expect(idEncodingOf(map, 'user_id')!.spec).toEqual({ kind: 'dense', runStarts: [1], runLengths: [10], rows: 10, oovIndex: 10 });
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

describe('FeatureMap determinism', () => {
  it('has the same content hash for the same data, whatever the thread count', async () => {
    // big enough (several DuckDB row groups) for parallel sums to interleave differently
    const dir = await makeWorldSpec(join(root, 'small'), 'small', 5, { events: 400_000, testEvents: 10 });
    const small = await loadData(resolveSources(dir));
    try {
      const stage = await buildFeatures(small, { mode: 'point-in-time', ctrPriorStrength: 5 });
      const hashes = new Set<string>([stage.featureMap.contentHash]);
      for (const threads of [1, 2, 4, 3]) {
        await small.db.run(`SET threads = ${threads}`);
        hashes.add((await fitFeatureMap(small.db, stage.tables.train, { mode: 'point-in-time', ctrPriorStrength: 5 })).contentHash);
      }
      expect(hashes.size).toBe(1);
    } finally {
      small.db.close();
    }
  });
});

describe('encoding', () => {
  const rowsOf = async (table: string): Promise<RawFeatureRow[]> =>
    (await data.db.rows(`SELECT * FROM ${table} ORDER BY event_idx`)).map(
      (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])) as RawFeatureRow,
    );
  const everything = (m: FeatureMap): FeatureSelection => ({ categorical: [...m.vocabularies.map((v) => v.name), ...m.ids.map((i) => i.name)], numerical: m.numerical.map((s) => s.name) });

  it('gives the same rows through DuckDB in bulk and one row at a time, for every feature', async () => {
    for (const fitted of [map, await fitFeatureMap(data.db, trainTable, { mode: 'point-in-time', ctrPriorStrength: 0 }, seedFit({ idRows: 'events', minIdEvents: 2 }))]) {
      const bulk = selectColumns(await encodeTable(data.db, trainTable, fitted), everything(fitted));
      const single = new FeatureEncoder(fitted).encodeRows(await rowsOf(trainTable), everything(fitted));
      expect(single.categorical).toEqual(bulk.categorical);
      expect(single.numerical).toEqual(bulk.numerical);
    }
  });

  it('encodes the held-out log with OOV rows for unseen values and hashed tails, in both paths', async () => {
    const hashed = await fitFeatureMap(data.db, trainTable, { mode: 'point-in-time', ctrPriorStrength: 0 }, seedFit({ minCount: 200, maxIdRows: 8 }));
    expect(idEncodingOf(hashed, 'user_id')!.spec).toMatchObject({ kind: 'mixed', hashBuckets: 2, rows: 5, oovIndex: 7 });
    const countries = vocabularyOf(hashed, 'country');
    expect(countries.values.length).toBeLessThan(5); // rare countries go to OOV under minCount 200
    const bulk = selectColumns(await encodeTable(data.db, 'features_test', hashed), SEED_SELECTION);
    const single = new FeatureEncoder(hashed).encodeRows(await rowsOf('features_test'));
    expect(single.categorical).toEqual(bulk.categorical);
    expect(single.numerical).toEqual(bulk.numerical);
    expect(bulk.categorical[SEED_SELECTION.categorical.indexOf('country')].some((row) => row === countries.oovIndex)).toBe(true);
    expect(Math.max(...bulk.categorical[10])).toBeLessThan(7);
  });

  it('standardises with the training statistics', async () => {
    const bulk = await encodeTable(data.db, trainTable, map);
    for (const [name, values] of bulk.numerical) {
      let sum = 0;
      for (let i = 0; i < bulk.n; i++) sum += values[i];
      expect(Math.abs(sum / bulk.n), name).toBeLessThan(1e-5);
    }
  });

  it('maps unknown categories and ids to the OOV row', () => {
    const encoder = new FeatureEncoder(map);
    expect(encoder.category('country', 'Atlantis')).toBe(vocabularyOf(map, 'country').oovIndex);
    expect(encoder.category('weekday', 8)).toBe(7);
    expect(encoder.id('user_id', 999)).toBe(10);
    expect(encoder.id('user_id', 1)).toBe(0);
    expect(encoder.id('ad_id', 20)).toBe(19);
    expect(encoder.id('ad_id', 2.5)).toBe(20);
  });

  it('with ids fitted on events, cold rows and ids without enough history take the OOV row', async () => {
    const events = await fitFeatureMap(data.db, trainTable, { mode: 'point-in-time', ctrPriorStrength: 0 }, seedFit({ idRows: 'events', minIdEvents: 2 }));
    const bulk = await encodeTable(data.db, trainTable, events);
    const users = bulk.categorical.get('user_id')!;
    const oov = idEncodingOf(events, 'user_id')!.spec.oovIndex;
    const rows = await rowsOf(trainTable);
    const seen = new Set<number>();
    rows.forEach((row, i) => {
      const first = !seen.has(Number(row.user_id));
      seen.add(Number(row.user_id));
      expect(users[i] === oov, `row ${i + 1}`).toBe(first); // each user's first training event is a cold row
    });
  });
});

describe('id encoders', () => {
  const ones = (n: number): Float64Array => new Float64Array(n).fill(1);

  it('are dense and collision-free when the ids fit, with runs of consecutive ids', () => {
    const ids = Float64Array.from([7, 3, 4, 5, 100, 101, 9_007_199_254_740_000]);
    const { spec, report } = fitIdEncoder(ids, ones(7), { maxRows: 100, hashShare: 0.25, salt: 1 });
    expect(spec).toMatchObject({ kind: 'dense', runStarts: [3, 7, 100, 9_007_199_254_740_000], runLengths: [3, 1, 2, 1], rows: 7 });
    expect(report.collidingIdShare).toBe(0);
    const row = compileIdEncoder(spec);
    expect(Array.from(ids, row).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(row(6)).toBe(7);
    expect(idCardinality(spec)).toBe(8);
  });

  it('degrade gracefully past the cap: the most frequent ids stay dense, only the tail shares hashed buckets', () => {
    const n = 100_000;
    const ids = Float64Array.from({ length: n }, (_, i) => i * 1000 + 17);
    const counts = Float64Array.from({ length: n }, (_, i) => Math.floor(1e6 / (i + 1))); // Zipf-like: id i is the i-th most frequent
    // one id past the cap: the old encoder hashed every id, and ~37% of them collided
    const oneOver = fitIdEncoder(ids, counts, { maxRows: n, hashShare: 0.25, salt: 99 });
    expect(oneOver.spec.kind).toBe('mixed');
    expect(oneOver.report.denseIds).toBe(n - 1 - 25_000);
    const row = compileIdEncoder(oneOver.spec);
    for (let i = 0; i < oneOver.report.denseIds; i++) expect(row(ids[i]), `frequent id ${i}`).toBeLessThan(oneOver.report.denseIds);
    const rows = new Set(Array.from(ids.subarray(0, oneOver.report.denseIds), row));
    expect(rows.size).toBe(oneOver.report.denseIds); // collision-free for the dense head
    expect(oneOver.report.collidingIdShare).toBeLessThan(0.25);
    expect(oneOver.report.collidingEventShare).toBeLessThan(0.025); // the tail carries 2.4% of the events
    // far past the cap the tail grows, and so do its collisions, but the head stays exact
    const far = fitIdEncoder(ids, counts, { maxRows: 1024, hashShare: 0.25, salt: 99 });
    expect(far.spec).toMatchObject({ kind: 'mixed', hashBuckets: 256, rows: 767, oovIndex: 1023 });
    const farRow = compileIdEncoder(far.spec);
    const buckets = new Int32Array(256);
    for (let i = 767; i < n; i++) buckets[farRow(ids[i]) - 767]++;
    expect(Math.min(...buckets)).toBeGreaterThan(300); // ~387 per bucket expected: evenly spread
    expect(Math.max(...buckets)).toBeLessThan(500);
    expect(farRow(123_456_789_012)).toBe(compileIdEncoder(far.spec)(123_456_789_012));
    expect(idCardinality(far.spec)).toBe(1024);
  });
});
