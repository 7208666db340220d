// Deterministic row samples of DuckDB tables: about `max` rows kept by a hash of event_idx (salted per use), and
// event_idx renumbered 0..n-1 in the old order, as the feature code expects of a table.
import type { Db } from '../../data/duckdb.js';
import { hashString32 } from '../../core/rng.js';

/** Keeps about `max` rows of `table` (all of them when it has no more); returns the rows kept. */
export async function sampleTable(db: Db, table: string, max: number, salt: string): Promise<number> {
  const n = Number(await db.scalar(`SELECT count(*) FROM ${table}`));
  if (n <= max) return n;
  const temp = Number(await db.scalar(`SELECT count(*) FROM duckdb_tables() WHERE table_name = '${table}' AND temporary`)) > 0;
  await db.run(`CREATE OR REPLACE TEMP TABLE __sample AS SELECT (row_number() OVER (ORDER BY event_idx) - 1)::INTEGER AS event_idx, * EXCLUDE (event_idx)
    FROM ${table} WHERE hash(event_idx + ${hashString32(salt)}) % ${n} < ${max} ORDER BY event_idx`);
  await db.run(`CREATE OR REPLACE ${temp ? 'TEMP ' : ''}TABLE ${table} AS SELECT * FROM __sample ORDER BY event_idx`);
  await db.run('DROP TABLE __sample');
  return Number(await db.scalar(`SELECT count(*) FROM ${table}`));
}
