// The baselines every evaluation stands the models beside, trained on the same rows:
//   CTR — a constant (the training CTR), the ad's smoothed CTR, and a logistic regression on one-hot ids and the
//   crosses an ads engineer would add (user, ad, user×category, age×category, device×format, hour, weekday,
//   location×country, advertiser);
//   CVR — its twin on clicked rows (ad, advertiser, user, device, category, log bid).
// Legend: N rows, F hashed features per row.
import type { EncodedTable } from '../features/encoder.js';
import { DEFAULT_LOGISTIC, featureBucket, logisticLogits, trainLogistic, type HashedRows, type LogisticModel } from './logistic.js';

type Source = { kind: 'user' } | { kind: 'ad' } | { kind: 'field'; name: string };
interface Cross {
  name: string;
  parts: Source[];
}

export const CTR_CROSSES: readonly Cross[] = [
  { name: 'user', parts: [{ kind: 'user' }] },
  { name: 'ad', parts: [{ kind: 'ad' }] },
  { name: 'user×category', parts: [{ kind: 'user' }, { kind: 'field', name: 'category' }] },
  { name: 'age×category', parts: [{ kind: 'field', name: 'age_group' }, { kind: 'field', name: 'category' }] },
  { name: 'device×format', parts: [{ kind: 'field', name: 'device' }, { kind: 'field', name: 'format' }] },
  { name: 'hour', parts: [{ kind: 'field', name: 'hour' }] },
  { name: 'weekday', parts: [{ kind: 'field', name: 'weekday' }] },
  { name: 'location×country', parts: [{ kind: 'field', name: 'location' }, { kind: 'field', name: 'country' }] },
  { name: 'advertiser', parts: [{ kind: 'field', name: 'advertiser_id' }] },
];

export const CVR_CROSSES: readonly Cross[] = [
  { name: 'ad', parts: [{ kind: 'ad' }] },
  { name: 'advertiser', parts: [{ kind: 'field', name: 'advertiser_id' }] },
  { name: 'user', parts: [{ kind: 'user' }] },
  { name: 'device', parts: [{ kind: 'field', name: 'device' }] },
  { name: 'category', parts: [{ kind: 'field', name: 'category' }] },
];

/** Hashed rows of `table` restricted to `rows` (indices), with the crosses and dense numericals named. */
export function hashedRows(table: EncodedTable, rows: Int32Array, crosses: readonly Cross[], dense: readonly string[], label: 'clicked' | 'converted', buckets = DEFAULT_LOGISTIC.buckets): HashedRows {
  const n = rows.length;
  const width = crosses.length;
  const features = new Uint32Array(n * width);
  const value = (source: Source, r: number): number =>
    source.kind === 'user' ? table.userId[r] : source.kind === 'ad' ? table.adId[r] : table.categorical.get(source.name)![r];
  crosses.forEach((cross, f) => {
    const [a, b] = cross.parts;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      features[i * width + f] = featureBucket(f + 1, value(a, r), b ? value(b, r) : -1, buckets);
    }
  });
  const denseValues = new Float32Array(n * dense.length);
  dense.forEach((name, m) => {
    const column = table.numerical.get(name)!;
    for (let i = 0; i < n; i++) denseValues[i * dense.length + m] = column[rows[i]];
  });
  const labels = label === 'clicked' ? table.clicked : table.converted;
  return { n, features, width, dense: denseValues, denseWidth: dense.length, labels: Float32Array.from(rows, (r) => labels[r]) };
}

export interface LogisticBaseline {
  name: string;
  crosses: readonly Cross[];
  dense: readonly string[];
  label: 'clicked' | 'converted';
  model: LogisticModel;
  bestEpoch: number;
}

export function trainLogisticBaseline(
  name: string, table: EncodedTable, trainRows: Int32Array, validRows: Int32Array,
  spec: { crosses: readonly Cross[]; dense: readonly string[]; label: 'clicked' | 'converted' }, seed: number,
): LogisticBaseline {
  const fit = trainLogistic(hashedRows(table, trainRows, spec.crosses, spec.dense, spec.label), validRows.length ? hashedRows(table, validRows, spec.crosses, spec.dense, spec.label) : null, { ...DEFAULT_LOGISTIC, seed });
  return { name, ...spec, model: fit.model, bestEpoch: fit.bestEpoch };
}

export function baselineLogits(baseline: LogisticBaseline, table: EncodedTable, rows: Int32Array): Float32Array {
  return logisticLogits(baseline.model, hashedRows(table, rows, baseline.crosses, baseline.dense, baseline.label, baseline.model.buckets));
}

/** Indices [from, to) as rows, optionally only those with a click. */
export function rowRange(from: number, to: number, table?: EncodedTable): Int32Array {
  const out: number[] = [];
  for (let i = from; i < to; i++) if (!table || table.clicked[i] === 1) out.push(i);
  return Int32Array.from(out);
}
