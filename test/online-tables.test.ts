// Reading RUN/online/ robustly: a garbage, truncated, missing or column-missing file, wrong column types and
// unservable values fail with BAD_ARTIFACT naming the file (and the column), never with a raw DuckDB error.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdrankError } from '../src/core/errors.js';
import { Db, sqlIdent, sqlString } from '../src/data/duckdb.js';
import { MemoryFeatureStore } from '../src/features/online/memory-store.js';
import { ONLINE_FILES, type OnlineFile } from '../src/features/online/table-checks.js';
import { readOnlineTables } from '../src/features/online/tables.js';
import { makeFeatureRun, makeWorld, tempDir } from './helpers.js';

const root = tempDir();
const goodRun = join(root, 'good');
let copies = 0;

beforeAll(async () => {
  await makeFeatureRun(await makeWorld(join(root, 'seed')), goodRun);
});

/** A copy of the good run with `file` of its online tables changed by `edit`. */
async function brokenRun(edit: (onlineDir: string) => void | Promise<void>): Promise<string> {
  const run = join(root, `broken-${copies++}`);
  cpSync(goodRun, run, { recursive: true });
  await edit(join(run, 'online'));
  return run;
}

/** Rewrites an online Parquet file as the result of `select` over its current rows (table `t`). */
async function rewrite(onlineDir: string, file: OnlineFile, select: string): Promise<void> {
  const db = await Db.open();
  try {
    const path = join(onlineDir, file);
    await db.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${sqlString(path)})`);
    await db.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT parquet)`);
  } finally {
    db.close();
  }
}

async function expectBadArtifact(run: string, file: string, column?: string, message?: RegExp): Promise<void> {
  for (const reader of [() => readOnlineTables(run), () => MemoryFeatureStore.open(run)]) {
    const error = await reader().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AdrankError);
    const e = error as AdrankError;
    expect(e.code, e.message).toBe('BAD_ARTIFACT');
    expect(e.location.file).toBe(join(run, 'online', file));
    if (column) expect(e.location.column).toBe(column);
    if (message) expect(e.message).toMatch(message);
    expect(e.hint).toMatch(/adrank features/);
  }
}

describe('reading the online tables', () => {
  it('reads a good run', async () => {
    const tables = await readOnlineTables(goodRun);
    expect(tables.users.userId.length).toBe(10);
    expect(tables.ads.adId.length).toBe(20);
  });

  for (const file of Object.keys(ONLINE_FILES) as OnlineFile[]) {
    it(`names ${file} when it is garbage, truncated or missing`, async () => {
      await expectBadArtifact(await brokenRun((dir) => writeFileSync(join(dir, file), 'PAR1 this is not parquet at all')), file, undefined, /not a readable Parquet file/);
      await expectBadArtifact(await brokenRun((dir) => {
        const bytes = readFileSync(join(dir, file));
        writeFileSync(join(dir, file), bytes.subarray(0, bytes.length >> 1));
      }), file, undefined, /not a readable Parquet file/);
      await expectBadArtifact(await brokenRun((dir) => rmSync(join(dir, file))), file, undefined, /is missing/);
    });

    it(`names the missing column of ${file}`, async () => {
      for (const column of Object.keys(ONLINE_FILES[file])) {
        await expectBadArtifact(await brokenRun((dir) => rewrite(dir, file, `SELECT * EXCLUDE (${sqlIdent(column)}) FROM t`)), file, column, /has no column/);
      }
    });
  }

  it('refuses wrong column types and values a store cannot serve', async () => {
    const cases: [OnlineFile, string, string, RegExp][] = [
      ['users.parquet', `SELECT * REPLACE (user_id::VARCHAR AS user_id) FROM t`, 'user_id', /is VARCHAR, expected an integer type/],
      ['users.parquet', `SELECT * REPLACE (CASE WHEN user_id = 3 THEN NULL ELSE user_id END AS user_id) FROM t`, 'user_id', /a missing value in 1 row/],
      ['users.parquet', `SELECT * FROM t UNION ALL SELECT * FROM t WHERE user_id = 2`, 'user_id', /more than once/],
      ['users.parquet', `SELECT * REPLACE (user_historical_ctr + 2 AS user_historical_ctr) FROM t`, 'user_historical_ctr', /a CTR outside \[0, 1\]/],
      ['ads.parquet', `SELECT * REPLACE (CASE WHEN ad_id = 5 THEN 'gadgets' ELSE category END AS category) FROM t`, 'category', /a category meta.json does not list/],
      ['ads.parquet', `SELECT * REPLACE (CASE WHEN ad_id = 5 THEN 'nan'::DOUBLE ELSE bid END AS bid) FROM t`, 'bid', /a bid that is not a finite number > 0/],
      ['ads.parquet', `SELECT * FROM t WHERE ad_id <> 20`, 'ads.parquet', /has 19 rows, meta.json says 20/],
      ['user_category.parquet', `SELECT * REPLACE (converted + 3 AS converted) FROM t`, 'converted', /a conversion flag other than 0 or 1/],
    ];
    for (const [file, select, column, message] of cases) {
      await expectBadArtifact(await brokenRun((dir) => rewrite(dir, file, select)), file, column.endsWith('.parquet') ? undefined : column, message);
    }
  });

  it('refuses a garbage or incomplete meta.json, and reports a run without online tables as not found', async () => {
    await expectBadArtifact(await brokenRun((dir) => writeFileSync(join(dir, 'meta.json'), '{ not json')), 'meta.json', undefined, /is not JSON/);
    await expectBadArtifact(await brokenRun((dir) => {
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
      delete meta.categoryMeanCtr;
      writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    }), 'meta.json', 'categoryMeanCtr');
    const empty = await brokenRun((dir) => rmSync(dir, { recursive: true }));
    await expect(readOnlineTables(empty)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
