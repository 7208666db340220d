// Vocabularies read from the data: the distinct values of a categorical column with their counts.
import { sqlIdent } from './duckdb.js';
import type { Db } from './duckdb.js';

export interface ValueCount {
  value: string;
  count: number;
}

/** Distinct values of `table.column`, most frequent first (ties by value), at most `limit`. */
export async function valueCounts(db: Db, table: string, column: string, limit = 1000): Promise<ValueCount[]> {
  const rows = await db.rows(`SELECT CAST(${sqlIdent(column)} AS VARCHAR) AS v, count(*) AS n FROM ${table} GROUP BY 1 ORDER BY n DESC, v LIMIT ${limit}`);
  return rows.map((r) => ({ value: String(r.v), count: Number(r.n) }));
}
