// The ceiling a model is measured against on a generated world: the true click probabilities of the held-out
// log (truth/test_event_log.truth.*, aligned row by row with the log file) scored like a model's predictions.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AdrankError } from '../core/errors.js';
import { sqlString } from '../data/duckdb.js';
import type { LoadedData } from '../data/load.js';
import { logLoss, rocAuc } from './metrics.js';

export async function heldOutOracle(data: LoadedData, worldDir: string): Promise<{ auc: number; logLoss: number }> {
  const truth = ['csv', 'parquet'].map((ext) => join(worldDir, 'truth', `test_event_log.truth.${ext}`)).find(existsSync);
  if (!truth || !data.sources.test_event_log || data.hasEventTime) {
    throw new AdrankError('FILE_NOT_FOUND', `no truth aligned with the held-out log in ${worldDir}`, {
      location: { file: join(worldDir, 'truth') },
      hint: 'the oracle exists for worlds made by `adrank generate`, in file order',
    });
  }
  const reader = truth.endsWith('.parquet') ? `read_parquet(${sqlString(truth)})` : `read_csv(${sqlString(truth)}, header=true)`;
  const n = data.counts.testEvents;
  const probs = new Float64Array(n);
  const labels = new Float64Array(n);
  const rows = await data.db.readInto(`SELECT p_click FROM ${reader}`, { p_click: probs });
  await data.db.readInto('SELECT clicked FROM test_event_log ORDER BY event_idx', { clicked: labels });
  if (rows !== n) {
    throw new AdrankError('BAD_ARTIFACT', `the truth file has ${rows} rows for ${n} held-out events`, { location: { file: truth }, hint: 'generate the world again' });
  }
  return { auc: rocAuc(probs, labels), logLoss: logLoss(probs, labels) };
}
