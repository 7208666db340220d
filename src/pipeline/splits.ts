// How a run splits its data, always in time order and never fitting and reporting on the same rows:
//   training log → the first (1 − v) trains, the last v validates (early stopping, model choice);
//   held-out log → its earlier half fits calibration, its later half is where metrics are reported.
// Without a held-out log, the last tenth of the event log becomes one before any feature is built. The seed's
// own protocol (calibrate and report on all held-out rows) is available and labelled as such.
import { AdrankError } from '../core/errors.js';
import type { LoadedData } from '../data/load.js';

export interface Splits {
  /** training-log rows [0, trainRows) train, [trainRows, trainingLogRows) validate */
  trainRows: number;
  trainingLogRows: number;
  /** held-out rows (event order) that fit calibration, and those metrics are reported on */
  calibration: Int32Array;
  report: Int32Array;
  protocol: 'holdout' | 'seed';
  /** the held-out log was carved from the end of the event log */
  carved: boolean;
}

export const CARVED_SHARE = 0.1;

/** Moves the last tenth of event_log into test_event_log when there is no held-out log; returns whether it did. */
export async function carveHeldOut(data: LoadedData): Promise<boolean> {
  if (data.sources.test_event_log) return false;
  const n = data.counts.events;
  const cut = Math.floor(n * (1 - CARVED_SHARE));
  if (cut < 1 || n - cut < 2) {
    throw new AdrankError('EMPTY_TABLE', `an event log of ${n} rows is too small to carve a held-out log from`, { location: { file: data.sources.event_log.path }, hint: 'give a test_event_log, or more events' });
  }
  const { db } = data;
  await db.run(`CREATE OR REPLACE TABLE test_event_log AS SELECT (event_idx - ${cut})::INTEGER AS event_idx, * EXCLUDE (event_idx) FROM event_log WHERE event_idx >= ${cut} ORDER BY event_idx`);
  await db.run(`DELETE FROM event_log WHERE event_idx >= ${cut}`);
  data.counts.events = cut;
  data.counts.testEvents = n - cut;
  data.sources.test_event_log = { ...data.sources.event_log, table: 'test_event_log' };
  return true;
}

export function planSplits(trainingLogRows: number, heldOutRows: number, validationShare: number, protocol: 'holdout' | 'seed', carved: boolean): Splits {
  const trainRows = Math.max(1, trainingLogRows - Math.floor(trainingLogRows * validationShare));
  const range = (from: number, to: number): Int32Array => Int32Array.from({ length: to - from }, (_, i) => from + i);
  if (heldOutRows < 2) {
    throw new AdrankError('EMPTY_TABLE', `the held-out log has ${heldOutRows} rows: too few to calibrate and evaluate`, { hint: 'give a larger test_event_log' });
  }
  if (protocol === 'seed') return { trainRows, trainingLogRows, calibration: range(0, heldOutRows), report: range(0, heldOutRows), protocol, carved };
  const half = Math.floor(heldOutRows / 2);
  return { trainRows, trainingLogRows, calibration: range(0, half), report: range(half, heldOutRows), protocol, carved };
}
