// Offline evaluation on the reporting rows: every metric of a binary model (AUC, log loss, NE, ECE, calibration
// ratio, GAUC) for the model, its baselines and the oracle, overall and by segment (returning vs new users,
// device), with the ROC and reliability points the report draws.
// Legend: N rows.
import { binaryMetrics, reliabilityBins, rocCurve, type BinaryMetrics, type ReliabilityBin } from '../../eval/metrics.js';
import type { EncodedTable } from '../../features/encoder.js';
import { vocabularyOf, type FeatureMap } from '../../features/feature-map.js';

export type Role = 'model' | 'baseline' | 'oracle' | 'seed';

/** One scored candidate on the reporting rows: probabilities (N), after calibration where it applies. */
export interface Scored {
  name: string;
  role: Role;
  probs: Float32Array;
  /** uncalibrated probabilities (the model's sigmoid of the logit), when calibration applies */
  raw?: Float32Array;
}

export interface MetricRow {
  name: string;
  role: Role;
  metrics: BinaryMetrics;
  raw?: BinaryMetrics;
}

export interface SegmentTable {
  segment: string;
  rows: number;
  results: MetricRow[];
}

export interface BinaryEvaluation {
  rows: number;
  results: MetricRow[];
  segments: SegmentTable[];
  curves: { roc: { name: string; role: Role; fpr: number[]; tpr: number[] }[]; reliability: { name: string; bins: ReliabilityBin[] }[] };
}

function pick<T extends { length: number; [i: number]: number }>(values: T, rows: Int32Array): Float32Array {
  return Float32Array.from(rows, (r) => values[r]);
}

/** Metrics of every scored candidate on `rows` of the table, against `label`. */
export function evaluateBinary(table: EncodedTable, map: FeatureMap, rows: Int32Array, label: 'clicked' | 'converted', scored: readonly Scored[], scoredRows: Int32Array): BinaryEvaluation {
  // scored[*].probs are aligned with scoredRows; `rows` ⊆ scoredRows selects the ones to report
  const position = new Map<number, number>();
  scoredRows.forEach((r, i) => position.set(r, i));
  const at = Int32Array.from(rows, (r) => position.get(r)!);
  const labels = pick(label === 'clicked' ? table.clicked : table.converted, rows);
  const users = Float64Array.from(rows, (r) => table.userId[r]);
  const measure = (subset: Int32Array | null): MetricRow[] =>
    scored.map((s) => {
      const idx = subset ?? Int32Array.from(at.keys());
      const probs = Float32Array.from(idx, (i) => s.probs[at[i]]);
      const y = Float32Array.from(idx, (i) => labels[i]);
      const g = Float64Array.from(idx, (i) => users[i]);
      const row: MetricRow = { name: s.name, role: s.role, metrics: binaryMetrics(probs, y, g) };
      if (s.raw) row.raw = binaryMetrics(Float32Array.from(idx, (i) => s.raw![at[i]]), y, g);
      return row;
    });
  const segments: SegmentTable[] = [];
  const segment = (name: string, keep: (r: number) => boolean): void => {
    const subset = Int32Array.from([...rows.keys()].filter((i) => keep(rows[i])));
    if (subset.length > 0) segments.push({ segment: name, rows: subset.length, results: measure(subset) });
  };
  segment('returning users', (r) => table.userImpressions[r] > 0);
  segment('new users', (r) => !(table.userImpressions[r] > 0));
  const devices = vocabularyOf(map, 'device');
  const device = table.categorical.get('device')!;
  devices.values.forEach((value, code) => segment(`device ${value}`, (r) => device[r] === code));
  const curves: BinaryEvaluation['curves'] = { roc: [], reliability: [] };
  for (const s of scored) {
    const probs = Float32Array.from(at, (i) => s.probs[i]);
    curves.roc.push({ name: s.name, role: s.role, ...rocCurve(probs, labels, 120) });
    if (s.role === 'model') {
      curves.reliability.push({ name: `${s.name}, calibrated`, bins: reliabilityBins(probs, labels, 15, 'mass') });
      if (s.raw) curves.reliability.push({ name: `${s.name}, raw`, bins: reliabilityBins(Float32Array.from(at, (i) => s.raw![i]), labels, 15, 'mass') });
    }
  }
  return { rows: rows.length, results: measure(null), segments, curves };
}
