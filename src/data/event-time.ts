// event_time, the optional ordering column: numbers (e.g. epoch seconds) or timestamps. Its kind is decided
// from all its values — whichever most of them parse as — and only the values that do not fit are bad, so
// one stray `yesterday` among numbers is one bad row, not a column of them. NaN and infinities are not times.
import type { RowCheck } from './checks.js';
import type { Db } from './duckdb.js';

export type EventTimeKind = 'number' | 'timestamp';

const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|BIGINT|INTEGER|HUGEINT|SMALLINT|TINYINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|UHUGEINT|DECIMAL)/;
const TIME_TYPE = /^(TIMESTAMP|DATE)/;

/**
 * Staging columns computed from the reader's event_time: its value as a number and as epoch seconds of a
 * timestamp (NULL when it is not one), and whether a value is present. `readerType` is the column's type
 * as read (VARCHAR for CSV, the stored type for Parquet).
 */
export function eventTimeStageColumns(readerType: string): string[] {
  const asNumber = NUMERIC_TYPE.test(readerType) ? 'CAST(event_time AS DOUBLE)' : TIME_TYPE.test(readerType) ? 'NULL::DOUBLE' : 'TRY_CAST(event_time AS DOUBLE)';
  const asStamp = NUMERIC_TYPE.test(readerType) ? 'NULL::DOUBLE' : 'epoch(TRY_CAST(event_time AS TIMESTAMP))';
  return [`${asNumber} AS __time_number`, `${asStamp} AS __time_stamp`, `(event_time IS NOT NULL) AS __time_present`];
}

export interface EventTimeDecision {
  kind: EventTimeKind;
  /** SQL over the staged table: the event time in seconds */
  expression: string;
  /** marks present values that are not of the decided kind */
  check: RowCheck;
}

/** Decides the column's kind from the staged values (rows without other problems) and builds its check. */
export async function decideEventTime(db: Db, staged: string): Promise<EventTimeDecision> {
  const [counts] = await db.rows(`SELECT count(*) FILTER (WHERE isfinite(__time_number)) AS numbers, count(*) FILTER (WHERE isfinite(__time_stamp)) AS stamps
    FROM ${staged} WHERE __problems = 0`);
  const numbers = Number(counts.numbers);
  const stamps = Number(counts.stamps);
  const kind: EventTimeKind = numbers >= stamps ? 'number' : 'timestamp';
  const expression = kind === 'number' ? '__time_number' : '__time_stamp';
  const what = kind === 'number' ? 'a finite number' : 'a timestamp';
  return {
    kind,
    expression,
    check: {
      code: 'BAD_TYPE', column: 'event_time', condition: `__time_present AND NOT coalesce(isfinite(${expression}), false)`,
      value: 'CAST(event_time AS VARCHAR)',
      problem: `not ${what}, while most event_time values are ${kind === 'number' ? 'numbers' : 'timestamps'}`,
      hint: `event_time must be one kind in the whole file (${numbers} values are numbers, ${stamps} timestamps): epoch seconds, or timestamps like 2026-01-31 12:00:00; NaN and infinities are not times`,
    },
  };
}
