// The latest window of a log, by day: the events of the last N days (days are UTC days of event_time in seconds),
// split into the days a challenger trains on and the most recent days held out. Both are written as Parquet with the
// current catalogues into a data folder of their own, which the run then names as its inputs (run.json) and keeps.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { produceAtomic } from '../core/atomic-write.js';
import { AdrankError } from '../core/errors.js';
import { sqlString } from '../data/duckdb.js';
import type { LoadedData } from '../data/load.js';
import { DAY_SECONDS } from '../data/generate/drift.js';

export interface WindowPlan {
  /** first and last day of the window (days since the epoch) */
  fromDay: number;
  toDay: number;
  /** the first held-out day: [heldOutFrom, toDay] is held out, [fromDay, heldOutFrom) trains */
  heldOutFrom: number;
  trainEvents: number;
  heldOutEvents: number;
}

const dayOf = 'floor(event_time / 86400)';

/** Plans the window of the last `windowDays` days of `data`'s event log, the last `heldOutDays` held out. */
export async function planWindow(data: LoadedData, windowDays: number, heldOutDays: number): Promise<WindowPlan> {
  if (!data.hasEventTime) {
    throw new AdrankError('MISSING_COLUMN', 'the event log has no event_time: windows of days cannot be cut from it', {
      location: { file: data.sources.event_log.path, column: 'event_time' },
      hint: 'add an event_time column (epoch seconds or timestamps), or train on the whole log with `adrank train`',
    });
  }
  if (heldOutDays >= windowDays) {
    throw new AdrankError('BAD_ARGUMENT', `--window-days ${windowDays} leaves no day to train on after ${heldOutDays} held-out day(s)`, { location: { field: '--window-days', value: String(windowDays) }, hint: 'give a window longer than the held-out days' });
  }
  const toDay = Number(await data.db.scalar(`SELECT max(${dayOf}) FROM event_log`));
  const fromDay = toDay - windowDays + 1;
  const heldOutFrom = toDay - heldOutDays + 1;
  const count = async (where: string): Promise<number> => Number(await data.db.scalar(`SELECT count(*) FROM event_log WHERE ${where}`));
  const plan = { fromDay, toDay, heldOutFrom, trainEvents: await count(`${dayOf} BETWEEN ${fromDay} AND ${heldOutFrom - 1}`), heldOutEvents: await count(`${dayOf} >= ${heldOutFrom}`) };
  if (plan.trainEvents === 0) {
    throw new AdrankError('EMPTY_TABLE', `no events on the training days of the window (${isoDay(fromDay)} to ${isoDay(heldOutFrom - 1)})`, { location: { file: data.sources.event_log.path }, hint: 'give a longer --window-days' });
  }
  return plan;
}

export function isoDay(day: number): string {
  return new Date(day * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

const EVENT_COLUMNS = 'user_id, ad_id, CAST(device AS VARCHAR) AS device, CAST(location AS VARCHAR) AS location, weekday, month, hour, clicked, converted, event_time';

/** Writes the window into `dir`: event_log (training days), test_event_log (held-out days) and both catalogues. */
export async function writeWindow(data: LoadedData, plan: WindowPlan, dir: string): Promise<void> {
  await mkdir(join(dir, '..'), { recursive: true });
  await produceAtomic(dir, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    const copy = (sql: string, file: string): Promise<void> => data.db.run(`COPY (${sql}) TO ${sqlString(join(tmp, file))} (FORMAT parquet)`);
    await copy(`SELECT ${EVENT_COLUMNS} FROM event_log WHERE ${dayOf} BETWEEN ${plan.fromDay} AND ${plan.heldOutFrom - 1} ORDER BY event_idx`, 'event_log.parquet');
    await copy(`SELECT ${EVENT_COLUMNS} FROM event_log WHERE ${dayOf} >= ${plan.heldOutFrom} ORDER BY event_idx`, 'test_event_log.parquet');
    await copy('SELECT user_id, CAST(age_group AS VARCHAR) AS age_group, CAST(gender AS VARCHAR) AS gender, CAST(country AS VARCHAR) AS country FROM user_catalog ORDER BY user_id', 'user_catalog.parquet');
    await copy('SELECT ad_id, CAST(category AS VARCHAR) AS category, advertiser_id, CAST(format AS VARCHAR) AS format, bid FROM ad_catalog ORDER BY ad_id', 'ad_catalog.parquet');
  });
}
