// Writing a feature table to a file: the seed's 21 columns in event order, CSV or Parquet by extension,
// through a temporary file renamed into place.
import { AdrankError } from '../core/errors.js';
import { checkOutputPath, produceAtomic } from '../core/atomic-write.js';
import { sqlIdent, sqlString, type Db } from '../data/duckdb.js';
import { FEATURE_COLUMNS, FEATURE_COLUMN_TYPES } from './feature-table.js';

/** The format a feature table is written in, from the output's extension (.csv or .parquet). */
export function featureTableFormat(outPath: string): 'csv' | 'parquet' {
  const format = /\.parquet$/i.test(outPath) ? 'parquet' : /\.csv$/i.test(outPath) ? 'csv' : undefined;
  if (!format) {
    throw new AdrankError('BAD_ARGUMENT', `cannot tell the format of ${outPath}`, {
      location: { field: '--out', value: outPath },
      hint: 'name the output file with .csv or .parquet',
    });
  }
  return format;
}

/** Checks, before the features are built, that a feature table can be written at `outPath`. */
export async function checkFeatureTableOutput(outPath: string): Promise<void> {
  featureTableFormat(outPath);
  await checkOutputPath(outPath, 'file');
}

export async function exportFeatureTable(db: Db, table: string, outPath: string): Promise<{ rows: number; path: string }> {
  const format = featureTableFormat(outPath);
  const columns = FEATURE_COLUMNS.map((c) => `CAST(${sqlIdent(c)} AS ${FEATURE_COLUMN_TYPES[c]}) AS ${sqlIdent(c)}`);
  const options = format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet)';
  await produceAtomic(outPath, (tmp) => db.run(`COPY (SELECT ${columns.join(', ')} FROM ${table} ORDER BY event_idx) TO ${sqlString(tmp)} ${options}`));
  return { rows: Number(await db.scalar(`SELECT count(*) FROM ${table}`)), path: outPath };
}
