// Loading files that are malformed in their structure, of the wrong kind, or with a mixed event_time column.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editCsv, loadError, seedWorldCopies, setField, tempDir } from '../../test/helpers.js';
import { Db, sqlString } from './duckdb.js';
import { loadData, type LoadedData } from './load.js';
import { resolveSources } from './sources.js';

const root = tempDir();
const { pristine, worldWith } = seedWorldCopies(root);

async function skipping(dir: string): Promise<LoadedData> {
  const data = await loadData(resolveSources(dir), { onBadRow: 'skip' });
  data.db.close();
  return data;
}

const withEventTime = (times: (row: number) => string) => (d: string): void =>
  editCsv(join(d, 'event_log.csv'), (l) => l.map((x, i) => (i === 0 ? `${x},event_time` : `${x},${times(i)}`)));

describe('rows with the wrong number of fields', () => {
  it('a row with a million surplus fields is one MALFORMED_ROW, found within seconds', { timeout: 20_000 }, async () => {
    const dir = worldWith((d) => editCsv(join(d, 'user_catalog.csv'), (l) => { l[5] += ',x'.repeat(1_000_000); return l; }));
    const data = await skipping(dir);
    const malformed = data.report.issues.filter((i) => i.code === 'MALFORMED_ROW');
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toMatchObject({ table: 'user_catalog', count: 1 });
    expect(malformed[0].examples[0].row).toBe(5);
    expect(malformed[0].examples[0].value.length).toBeLessThan(200);
    expect(malformed[0].problem).toContain('1000004 fields where the header has 4');
    expect(data.counts.users).toBe(9);
  });

  it('counts one problem per bad row, whatever its number of fields', async () => {
    const dir = worldWith((d) => editCsv(join(d, 'event_log.csv'), (l) => {
      for (const row of [3, 30, 300]) l[row] += ',7'.repeat(5_000);
      l[40] = l[40].split(',').slice(0, 4).join(',');
      return l;
    }));
    const data = await skipping(dir);
    const malformed = data.report.issues.find((i) => i.code === 'MALFORMED_ROW')!;
    expect([malformed.count, malformed.examples.map((e) => e.row)]).toEqual([4, [3, 30, 40]]);
    expect(data.counts.events).toBe(496);
    expect(data.report.tables.find((t) => t.table === 'event_log')).toMatchObject({ rowsRead: 500, rowsKept: 496, rowsDropped: 4 });
  });

  it('keeps row numbers right around malformed rows and blank lines', async () => {
    const dir = worldWith((d) => {
      editCsv(join(d, 'event_log.csv'), (l) => {
        l[4] += ',x,y';
        l.splice(8, 0, ''); // a blank line: row 8 of the file
        return l;
      });
      setField(join(d, 'event_log.csv'), 20, 'hour', '31');
    });
    const data = await skipping(dir);
    const hour = data.report.issues.find((i) => i.column === 'hour')!;
    expect(hour.examples).toEqual([{ row: 20, value: '31' }]);
    expect(data.report.issues.find((i) => i.code === 'MALFORMED_ROW')!.examples[0].row).toBe(4);
    expect(data.counts.events).toBe(498);
  });
});

describe('temporary copies without the malformed rows', () => {
  it('are removed after loading, also when loading stops at an earlier table', async () => {
    const privateTmp = join(root, 'tmp');
    mkdirSync(privateTmp);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    try {
      const malformed = (d: string): void => editCsv(join(d, 'event_log.csv'), (l) => { l[2] += ',x'; return l; });
      expect((await skipping(worldWith(malformed))).report.issues[0].code).toBe('MALFORMED_ROW');
      const stops = worldWith((d) => {
        malformed(d);
        editCsv(join(d, 'ad_catalog.csv'), (l) => l.map((x) => x.split(',').slice(0, 4).join(',')));
      });
      expect((await loadError(stops)).code).toBe('MISSING_COLUMN');
      expect(readdirSync(privateTmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe('inputs that are not regular files', () => {
  it('refuses a FIFO in a data directory instead of blocking on it', () => {
    const dir = worldWith((d) => {
      rmSync(join(d, 'ad_catalog.csv'));
      execFileSync('mkfifo', [join(d, 'ad_catalog.csv')]);
    });
    expect(() => resolveSources(dir)).toThrow(/ad_catalog\.csv is not a regular file \(it is a FIFO\)/);
    expect(() => resolveSources(pristine, { event_log: join(dir, 'ad_catalog.csv') })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });

  it('refuses a directory named like a table, and a data directory that is a file', () => {
    const dir = worldWith((d) => {
      rmSync(join(d, 'event_log.csv'));
      mkdirSync(join(d, 'event_log.csv'));
    });
    expect(() => resolveSources(dir)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringContaining('is not a regular file (it is a directory)') }));
    expect(() => resolveSources(join(pristine, 'event_log.csv'))).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringContaining('is not a directory') }));
  });
});

describe('a table in two formats', () => {
  it('is refused, naming both files, unless a format is given', async () => {
    const dir = worldWith((d) => writeFileSync(join(d, 'event_log.parquet'), 'stale'));
    let error: unknown;
    try {
      resolveSources(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'BAD_ARGUMENT', hint: expect.stringContaining('--format') });
    expect((error as Error).message).toContain(join(dir, 'event_log.csv'));
    expect((error as Error).message).toContain(join(dir, 'event_log.parquet'));
    expect(resolveSources(dir, {}, { format: 'csv' }).event_log.path).toBe(join(dir, 'event_log.csv'));
    expect(() => resolveSources(dir, {}, { format: 'parquet' })).toThrow(/no user_catalog in .*there is user_catalog\.csv/);
  });
});

describe('event_time of mixed kinds', () => {
  it('one word among numbers is one bad row, not all of them', async () => {
    const dir = worldWith(withEventTime((i) => (i === 4 ? 'yesterday' : String(1000 + i))));
    const err = await loadError(dir);
    expect([err.code, err.location.row, err.location.column, err.location.value]).toEqual(['BAD_TYPE', 4, 'event_time', 'yesterday']);
    expect((err.details as { count: number }[]).reduce((n, i) => n + i.count, 0)).toBe(1);
    const data = await skipping(dir);
    expect(data.counts.events).toBe(499);
  });

  it('a timestamp among numbers, and a number among timestamps, are the bad rows', async () => {
    const numbers = await skipping(worldWith(withEventTime((i) => (i === 9 ? '2026-01-01 10:00:00' : String(i)))));
    expect(numbers.report.issues.map((i) => [i.code, i.column, i.count, i.examples[0].row])).toEqual([['BAD_TYPE', 'event_time', 1, 9]]);
    const stamps = await skipping(worldWith(withEventTime((i) => (i === 11 ? '12345' : `2026-02-${String(1 + (i % 28)).padStart(2, '0')} 08:00:00`))));
    expect(stamps.report.issues.map((i) => [i.code, i.column, i.count, i.examples[0].row, i.examples[0].value])).toEqual([['BAD_TYPE', 'event_time', 1, 11, '12345']]);
    expect(stamps.counts.events).toBe(499);
  });

  it('refuses NaN and infinite times', async () => {
    const data = await skipping(worldWith(withEventTime((i) => (i === 6 ? 'nan' : i === 7 ? '-inf' : String(i)))));
    const issue = data.report.issues.find((i) => i.column === 'event_time')!;
    expect([issue.code, issue.count, issue.examples]).toEqual(['BAD_TYPE', 2, [{ row: 6, value: 'nan' }, { row: 7, value: '-inf' }]]);
  });
});

describe('Parquet input', () => {
  it('refuses NaN event times and NUL bytes in text', async () => {
    const dir = worldWith(() => {});
    const db = await Db.open();
    try {
      const csv = join(dir, 'event_log.csv');
      await db.run(`CREATE TABLE events AS SELECT * FROM read_csv(${sqlString(csv)})`);
      await db.run(`COPY (SELECT * REPLACE (CASE WHEN rowid = 2 THEN 'E' || chr(0) || 'U' ELSE location END AS location),
          CASE WHEN rowid = 4 THEN 'nan'::DOUBLE ELSE rowid::DOUBLE END AS event_time FROM events ORDER BY rowid)
        TO ${sqlString(join(dir, 'event_log.parquet'))} (FORMAT parquet)`);
    } finally {
      db.close();
    }
    rmSync(join(dir, 'event_log.csv'));
    const data = await skipping(dir);
    const byColumn = Object.fromEntries(data.report.issues.map((i) => [i.column, [i.code, i.examples[0].row, i.count]]));
    expect(byColumn).toEqual({ location: ['BAD_TYPE', 3, 1], event_time: ['BAD_TYPE', 5, 1] });
  });
});

describe('--on-bad-row fail', () => {
  it('validates every table before failing and reports all of their problems', async () => {
    const dir = worldWith((d) => {
      setField(join(d, 'user_catalog.csv'), 2, 'gender', 'X');
      setField(join(d, 'ad_catalog.csv'), 5, 'bid', '-3');
      setField(join(d, 'event_log.csv'), 12, 'hour', '99');
      setField(join(d, 'test_event_log.csv'), 3, 'device', 'tv');
    });
    const err = await loadError(dir);
    expect([err.code, err.location.file?.endsWith('user_catalog.csv'), err.location.row]).toEqual(['OUT_OF_RANGE', true, 2]);
    const issues = err.details as { table: string; code: string; count: number }[];
    expect(issues.map((i) => [i.table, i.code, i.count])).toEqual([
      ['user_catalog', 'OUT_OF_RANGE', 1],
      ['ad_catalog', 'BAD_BID', 1],
      ['event_log', 'OUT_OF_RANGE', 1],
      ['test_event_log', 'OUT_OF_RANGE', 1],
    ]);
    expect(err.message).toContain('in 4 tables');
  });
});
