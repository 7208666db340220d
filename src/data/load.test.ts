import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editCsv, loadError, seedWorldCopies, setField, tempDir } from '../../test/helpers.js';
import { loadData, type LoadedData } from './load.js';
import { resolveSources } from './sources.js';

const root = tempDir();
const { pristine, worldWith } = seedWorldCopies(root);

async function withData<T>(dir: string, fn: (d: LoadedData) => Promise<T>, onBadRow: 'fail' | 'skip' = 'fail'): Promise<T> {
  const data = await loadData(resolveSources(dir), { onBadRow });
  try {
    return await fn(data);
  } finally {
    data.db.close();
  }
}

describe('loading a clean world', () => {
  it('loads all four tables with their sizes and keeps file order', async () => {
    await withData(pristine, async (d) => {
      expect(d.counts).toEqual({ users: 10, ads: 20, events: 500, testEvents: 400 });
      expect(d.report.ok).toBe(true);
      const rows = await d.db.rows('SELECT event_idx, user_id, ad_id FROM event_log ORDER BY event_idx LIMIT 2');
      const first = (await import('../../test/helpers.js')).readCsvRows(join(pristine, 'event_log.csv')).slice(0, 2);
      expect(rows.map((r) => [r.event_idx, Number(r.user_id), Number(r.ad_id)])).toEqual(first.map((r, i) => [i, Number(r.user_id), Number(r.ad_id)]));
    });
  });
});

describe('validation errors name the file, row, column, value and a hint', () => {
  const cases: { name: string; edit: (dir: string) => void; code: string; file: string; row?: number; column?: string; value?: string }[] = [
    { name: 'missing file', edit: (d) => rmSync(join(d, 'ad_catalog.csv')), code: 'FILE_NOT_FOUND', file: 'ad_catalog.csv' },
    { name: 'missing column', edit: (d) => editCsv(join(d, 'user_catalog.csv'), (l) => l.map((x) => x.split(',').slice(0, 3).join(','))), code: 'MISSING_COLUMN', file: 'user_catalog.csv', column: 'country' },
    { name: 'text in a number column', edit: (d) => setField(join(d, 'event_log.csv'), 7, 'hour', 'noon'), code: 'BAD_TYPE', file: 'event_log.csv', row: 7, column: 'hour', value: 'noon' },
    { name: 'non-integer', edit: (d) => setField(join(d, 'event_log.csv'), 3, 'weekday', '2.5'), code: 'BAD_TYPE', file: 'event_log.csv', row: 3, column: 'weekday', value: '2.5' },
    { name: 'weekday out of range', edit: (d) => setField(join(d, 'event_log.csv'), 4, 'weekday', '8'), code: 'OUT_OF_RANGE', file: 'event_log.csv', row: 4, column: 'weekday', value: '8' },
    { name: 'hour out of range', edit: (d) => setField(join(d, 'test_event_log.csv'), 9, 'hour', '24'), code: 'OUT_OF_RANGE', file: 'test_event_log.csv', row: 9, column: 'hour', value: '24' },
    { name: 'clicked not 0/1', edit: (d) => setField(join(d, 'event_log.csv'), 5, 'clicked', '2'), code: 'OUT_OF_RANGE', file: 'event_log.csv', row: 5, column: 'clicked', value: '2' },
    { name: 'unknown device', edit: (d) => setField(join(d, 'event_log.csv'), 11, 'device', 'phone'), code: 'OUT_OF_RANGE', file: 'event_log.csv', row: 11, column: 'device', value: 'phone' },
    { name: 'unknown age group', edit: (d) => setField(join(d, 'user_catalog.csv'), 2, 'age_group', '99+'), code: 'OUT_OF_RANGE', file: 'user_catalog.csv', row: 2, column: 'age_group', value: '99+' },
    { name: 'unknown gender', edit: (d) => setField(join(d, 'user_catalog.csv'), 3, 'gender', 'X'), code: 'OUT_OF_RANGE', file: 'user_catalog.csv', row: 3, column: 'gender', value: 'X' },
    { name: 'missing value', edit: (d) => setField(join(d, 'event_log.csv'), 6, 'location', ''), code: 'MISSING_VALUE', file: 'event_log.csv', row: 6, column: 'location' },
    { name: 'converted without click', edit: (d) => { setField(join(d, 'event_log.csv'), 12, 'clicked', '0'); setField(join(d, 'event_log.csv'), 12, 'converted', '1'); }, code: 'CONVERTED_WITHOUT_CLICK', file: 'event_log.csv', row: 12, column: 'converted' },
    { name: 'NaN bid', edit: (d) => setField(join(d, 'ad_catalog.csv'), 4, 'bid', 'NaN'), code: 'BAD_BID', file: 'ad_catalog.csv', row: 4, column: 'bid', value: 'NaN' },
    { name: 'zero bid', edit: (d) => setField(join(d, 'ad_catalog.csv'), 5, 'bid', '0'), code: 'BAD_BID', file: 'ad_catalog.csv', row: 5, column: 'bid', value: '0' },
    { name: 'negative bid', edit: (d) => setField(join(d, 'ad_catalog.csv'), 6, 'bid', '-1.5'), code: 'BAD_BID', file: 'ad_catalog.csv', row: 6, column: 'bid', value: '-1.5' },
    { name: 'infinite bid', edit: (d) => setField(join(d, 'ad_catalog.csv'), 7, 'bid', 'inf'), code: 'BAD_BID', file: 'ad_catalog.csv', row: 7, column: 'bid', value: 'inf' },
    { name: 'duplicate user_id', edit: (d) => setField(join(d, 'user_catalog.csv'), 5, 'user_id', '2'), code: 'DUPLICATE_ID', file: 'user_catalog.csv', row: 5, column: 'user_id', value: '2' },
    { name: 'duplicate ad_id', edit: (d) => setField(join(d, 'ad_catalog.csv'), 9, 'ad_id', '1'), code: 'DUPLICATE_ID', file: 'ad_catalog.csv', row: 9, column: 'ad_id', value: '1' },
    { name: 'unknown user', edit: (d) => setField(join(d, 'event_log.csv'), 20, 'user_id', '77'), code: 'UNKNOWN_REFERENCE', file: 'event_log.csv', row: 20, column: 'user_id', value: '77' },
    { name: 'unknown ad', edit: (d) => setField(join(d, 'test_event_log.csv'), 2, 'ad_id', '999'), code: 'UNKNOWN_REFERENCE', file: 'test_event_log.csv', row: 2, column: 'ad_id', value: '999' },
    { name: 'row with too many fields', edit: (d) => editCsv(join(d, 'event_log.csv'), (l) => { l[15] += ',extra'; return l; }), code: 'MALFORMED_ROW', file: 'event_log.csv', row: 15 },
    { name: 'row with too few fields', edit: (d) => editCsv(join(d, 'event_log.csv'), (l) => { l[16] = l[16].split(',').slice(0, 5).join(','); return l; }), code: 'MALFORMED_ROW', file: 'event_log.csv', row: 16 },
    { name: 'empty event log', edit: (d) => editCsv(join(d, 'event_log.csv'), (l) => l.slice(0, 1)), code: 'EMPTY_TABLE', file: 'event_log.csv' },
    { name: 'negative id', edit: (d) => setField(join(d, 'user_catalog.csv'), 1, 'user_id', '-4'), code: 'BAD_TYPE', file: 'user_catalog.csv', row: 1, column: 'user_id', value: '-4' },
    { name: 'a negative bid shown as written', edit: (d) => setField(join(d, 'ad_catalog.csv'), 3, 'bid', '-1'), code: 'BAD_BID', file: 'ad_catalog.csv', row: 3, column: 'bid', value: '-1' },
    { name: 'a duplicate id shown as written', edit: (d) => setField(join(d, 'user_catalog.csv'), 6, 'user_id', '2.0'), code: 'DUPLICATE_ID', file: 'user_catalog.csv', row: 6, column: 'user_id', value: '2.0' },
    { name: 'NUL byte in a text value', edit: (d) => setField(join(d, 'event_log.csv'), 13, 'location', 'U\u0000S'), code: 'BAD_TYPE', file: 'event_log.csv', row: 13, column: 'location', value: 'U\\0S' },
    { name: 'a row starting with #', edit: (d) => setField(join(d, 'event_log.csv'), 17, 'user_id', '#7'), code: 'BAD_TYPE', file: 'event_log.csv', row: 17, column: 'user_id', value: '#7' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const err = await loadError(worldWith(c.edit));
      expect(err.code).toBe(c.code);
      expect(err.location.file?.endsWith(c.file)).toBe(true);
      if (c.row !== undefined) expect(err.location.row).toBe(c.row);
      if (c.column !== undefined) expect(err.location.column).toBe(c.column);
      if (c.value !== undefined) expect(err.location.value, 'shown as written in the file').toBe(c.value);
      expect(err.hint.length).toBeGreaterThan(10);
      expect(err.describe()).toContain(c.code);
    });
  }

  it('reports the earliest problem and counts the rest', async () => {
    const dir = worldWith((d) => {
      setField(join(d, 'event_log.csv'), 40, 'hour', '30');
      setField(join(d, 'event_log.csv'), 10, 'device', 'watch');
      setField(join(d, 'event_log.csv'), 30, 'device', 'tv');
    });
    const err = await loadError(dir);
    expect(err.location.row).toBe(10);
    expect(err.message).toContain('3 problems of 2 kinds');
  });

  it('a malformed row does not shift the row numbers of later problems', async () => {
    const dir = worldWith((d) => {
      editCsv(join(d, 'event_log.csv'), (l) => { l[5] += ',x'; return l; });
      setField(join(d, 'event_log.csv'), 9, 'device', 'watch');
    });
    const data = await loadData(resolveSources(dir), { onBadRow: 'skip' });
    data.db.close();
    const device = data.report.issues.find((i) => i.column === 'device')!;
    expect(device.examples[0].row).toBe(9);
    expect(data.report.issues.find((i) => i.code === 'MALFORMED_ROW')!.examples[0].row).toBe(5);
  });
});

describe('--on-bad-row skip', () => {
  it('drops bad rows, keeps the rest in order and reports counts with examples', async () => {
    const dir = worldWith((d) => {
      setField(join(d, 'event_log.csv'), 3, 'hour', '25');
      setField(join(d, 'event_log.csv'), 8, 'user_id', '1234');
      setField(join(d, 'ad_catalog.csv'), 2, 'bid', '-1');
    });
    await withData(dir, async (d) => {
      // ad 2 is dropped from the catalogue, so its events become unknown references too
      const adTwoEvents = (await import('../../test/helpers.js')).readCsvRows(join(pristine, 'event_log.csv')).filter((r, i) => r.ad_id === '2' && i !== 2 && i !== 7).length;
      expect(d.counts.ads).toBe(19);
      expect(d.counts.events).toBe(500 - 2 - adTwoEvents);
      const byCode = Object.fromEntries(d.report.issues.filter((i) => i.table === 'event_log').map((i) => [`${i.code}:${i.column}`, i.count]));
      expect(byCode['OUT_OF_RANGE:hour']).toBe(1);
      expect(byCode['UNKNOWN_REFERENCE:user_id']).toBe(1);
      expect(byCode['UNKNOWN_REFERENCE:ad_id']).toBe(adTwoEvents);
      expect(d.report.ok).toBe(false);
      const idx = await d.db.rows('SELECT min(event_idx) AS lo, max(event_idx) AS hi, count(*) AS n FROM event_log');
      expect([idx[0].lo, idx[0].hi]).toEqual([0, d.counts.events - 1]);
    }, 'skip');
  });

  it('keeps the first of duplicate catalogue rows', async () => {
    const dir = worldWith((d) => setField(join(d, 'user_catalog.csv'), 5, 'user_id', '2'));
    await withData(dir, async (d) => {
      const rows = await d.db.rows('SELECT user_id, age_group FROM user_catalog WHERE user_id = 2');
      expect(rows).toEqual([{ user_id: 2n, age_group: '25-34' }]);
    }, 'skip');
  });
});

describe('event_time', () => {
  it('orders events by event_time when the column is present, ties in file order', async () => {
    const dir = worldWith((d) => editCsv(join(d, 'event_log.csv'), (l) => l.map((x, i) => (i === 0 ? `${x},event_time` : `${x},${i <= 3 ? 1000 - i : 5000 + (i % 2)}`))));
    await withData(dir, async (d) => {
      expect(d.hasEventTime).toBe(true);
      const rows = await d.db.rows('SELECT event_time FROM event_log ORDER BY event_idx LIMIT 5');
      expect(rows.map((r) => r.event_time)).toEqual([997, 998, 999, 5000, 5000]);
    });
  });

  it('accepts timestamps', async () => {
    const dir = worldWith((d) => editCsv(join(d, 'event_log.csv'), (l) => l.map((x, i) => (i === 0 ? `${x},event_time` : `${x},2026-01-${String(29 - (i % 28)).padStart(2, '0')} 10:00:00`))));
    await withData(dir, async (d) => {
      const rows = await d.db.rows('SELECT event_time FROM event_log ORDER BY event_idx');
      const times = rows.map((r) => Number(r.event_time));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });
  });

  it('rejects unparseable times', async () => {
    const dir = worldWith((d) => editCsv(join(d, 'event_log.csv'), (l) => l.map((x, i) => (i === 0 ? `${x},event_time` : `${x},${i === 4 ? 'yesterday' : '2026-01-01 00:00:00'}`))));
    const err = await loadError(dir);
    expect([err.code, err.location.row, err.location.column, err.location.value]).toEqual(['BAD_TYPE', 4, 'event_time', 'yesterday']);
  });
});
