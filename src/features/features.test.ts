import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { editCsv, makeWorld, readCsvRows, setField, tempDir } from '../../test/helpers.js';
import { pointInTimeReference, readSeedWorld, snapshotReference, testReference } from '../../test/seed-reference.js';
import { loadData, type LoadedData } from '../data/load.js';
import { resolveSources } from '../data/sources.js';
import type { AggregateOptions } from './aggregates.js';
import { exportFeatureTable } from './export.js';
import { FEATURE_COLUMNS } from './feature-table.js';
import { buildFeatures } from './pipeline.js';

const root = tempDir();
let seedDir: string;

beforeAll(async () => {
  seedDir = await makeWorld(join(root, 'seed'));
});

/** Builds features for `dir` and returns the exported CSV rows of a split. */
async function featureRows(dir: string, options: AggregateOptions, split: 'train' | 'test' = 'train'): Promise<Record<string, string>[]> {
  const data: LoadedData = await loadData(resolveSources(dir));
  try {
    const { tables } = await buildFeatures(data, options);
    const out = join(dir, `features-${options.mode}-${options.ctrPriorStrength}-${split}.csv`);
    await exportFeatureTable(data.db, split === 'train' ? tables.train : tables.test!, out);
    return readCsvRows(out);
  } finally {
    data.db.close();
  }
}

function expectSameTable(actual: Record<string, string>[], expected: Record<string, string | number>[]): void {
  expect(actual).toHaveLength(expected.length);
  expect(Object.keys(actual[0])).toEqual([...FEATURE_COLUMNS]);
  actual.forEach((row, i) => {
    for (const column of FEATURE_COLUMNS) {
      const want = expected[i][column];
      if (column === 'bid') {
        expect(Number(row[column]), `row ${i + 1} bid`).toBe(Number(want));
      } else if (typeof want === 'number') {
        // floating-point precision: the seed's means and ours may round their last bit differently
        expect(Math.abs(Number(row[column]) - want), `row ${i + 1} ${column}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
      } else {
        expect(row[column], `row ${i + 1} ${column}`).toBe(want);
      }
    }
  });
}

describe('snapshot mode', () => {
  it("equals the seed's computation on the seed world", async () => {
    expectSameTable(await featureRows(seedDir, { mode: 'snapshot', ctrPriorStrength: 0 }), snapshotReference(readSeedWorld(seedDir)));
  });
});

describe('point-in-time mode', () => {
  it('uses only strictly earlier events for every row', async () => {
    expectSameTable(await featureRows(seedDir, { mode: 'point-in-time', ctrPriorStrength: 0 }), pointInTimeReference(readSeedWorld(seedDir)));
  });

  it("never depends on a row's own or later labels", async () => {
    const base = await featureRows(seedDir, { mode: 'point-in-time', ctrPriorStrength: 0 });
    for (const flipped of [1, 137, 499]) {
      const dir = join(root, `flip-${flipped}`);
      cpSync(seedDir, dir, { recursive: true });
      const original = readCsvRows(join(dir, 'event_log.csv'))[flipped - 1];
      // flip the click (and keep conversions consistent: a conversion needs a click)
      setField(join(dir, 'event_log.csv'), flipped, 'clicked', original.clicked === '1' ? '0' : '1');
      setField(join(dir, 'event_log.csv'), flipped, 'converted', original.clicked === '1' ? '0' : '1');
      const after = await featureRows(dir, { mode: 'point-in-time', ctrPriorStrength: 0 });
      const aggregates = FEATURE_COLUMNS.slice(16);
      for (let i = 0; i < flipped; i++) {
        for (const c of aggregates) expect(after[i][c], `row ${i + 1} ${c} after flipping row ${flipped}`).toBe(base[i][c]);
      }
      // the flip does reach later rows (so the check above can fail)
      if (flipped < 400) expect(after.slice(flipped).some((r, j) => aggregates.some((c) => r[c] !== base[flipped + j][c]))).toBe(true);
    }
  });

  it('snapshot leaks the row label where point-in-time does not', async () => {
    const snapshot = await featureRows(seedDir, { mode: 'snapshot', ctrPriorStrength: 0 });
    const pit = await featureRows(seedDir, { mode: 'point-in-time', ctrPriorStrength: 0 });
    const gap = (rows: Record<string, string>[]): number => {
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      const clicked = rows.filter((r) => r.clicked === '1').map((r) => +r.user_x_category_ctr);
      const skipped = rows.filter((r) => r.clicked === '0').map((r) => +r.user_x_category_ctr);
      return mean(clicked) - mean(skipped);
    };
    // with the label inside its own aggregate, clicked rows look much more "clicky" than they are
    expect(gap(snapshot)).toBeGreaterThan(gap(pit) + 0.05);
  });
});

describe('held-out log', () => {
  it('uses the aggregates as of the end of training, the same in both modes', async () => {
    const expected = testReference(readSeedWorld(seedDir));
    expectSameTable(await featureRows(seedDir, { mode: 'snapshot', ctrPriorStrength: 0 }, 'test'), expected);
    expectSameTable(await featureRows(seedDir, { mode: 'point-in-time', ctrPriorStrength: 0 }, 'test'), expected);
  });

  it('falls back for users and user×category pairs without training history', async () => {
    const dir = join(root, 'cold');
    cpSync(seedDir, dir, { recursive: true });
    editCsv(join(dir, 'user_catalog.csv'), (l) => [...l, '11,45+,F,Japan']);
    editCsv(join(dir, 'test_event_log.csv'), (l) => [...l, '11,3,mobile,US,2,3,4,0,0']);
    const rows = await featureRows(dir, { mode: 'point-in-time', ctrPriorStrength: 0 }, 'test');
    expectSameTable(rows, testReference(readSeedWorld(dir)));
    const cold = rows[rows.length - 1];
    const events = readCsvRows(join(dir, 'event_log.csv'));
    expect(+cold.user_historical_ctr).toBeCloseTo(events.filter((e) => e.clicked === '1').length / events.length, 12);
    expect([cold.user_x_advertiser_converted, cold.user_x_category_converted]).toEqual(['0.0', '0.0']);
  });
});

describe('CTR smoothing', () => {
  it('pulls CTRs toward their fallback with k pseudo-impressions', async () => {
    const k = 10;
    const raw = await featureRows(seedDir, { mode: 'snapshot', ctrPriorStrength: 0 });
    const smooth = await featureRows(seedDir, { mode: 'snapshot', ctrPriorStrength: k });
    const events = readCsvRows(join(seedDir, 'event_log.csv'));
    const global = events.filter((e) => e.clicked === '1').length / events.length;
    const user = events[0].user_id;
    const mine = events.filter((e) => e.user_id === user);
    const clicks = mine.filter((e) => e.clicked === '1').length;
    expect(+smooth[0].user_historical_ctr).toBeCloseTo((clicks + k * global) / (mine.length + k), 12);
    expect(Math.abs(+smooth[0].user_historical_ctr - global)).toBeLessThan(Math.abs(+raw[0].user_historical_ctr - global));
  });

  it('rejects a negative strength', async () => {
    const data = await loadData(resolveSources(seedDir));
    await expect(buildFeatures(data, { mode: 'snapshot', ctrPriorStrength: -1 })).rejects.toThrow(/prior strength/);
    data.db.close();
  });
});

describe('export', () => {
  it('writes the same table as CSV and Parquet, and nothing on a bad extension', async () => {
    const data = await loadData(resolveSources(seedDir));
    try {
      const { tables } = await buildFeatures(data, { mode: 'snapshot', ctrPriorStrength: 0 });
      await exportFeatureTable(data.db, tables.train, join(root, 'f.parquet'));
      await exportFeatureTable(data.db, tables.train, join(root, 'f.csv'));
      const fromParquet = await data.db.rows(`SELECT * FROM read_parquet('${join(root, 'f.parquet')}')`);
      const fromCsv = readCsvRows(join(root, 'f.csv'));
      expect(fromParquet.map((r) => String(r.user_x_category_ctr))).toEqual(fromCsv.map((r) => String(Number(r.user_x_category_ctr))));
      await expect(exportFeatureTable(data.db, tables.train, join(root, 'f.txt'))).rejects.toThrow(/cannot tell the format/);
    } finally {
      data.db.close();
    }
  });
});

