// A run's metrics on a held-out slice: the slice's later half (the earlier half is where a challenger trained on the
// window fitted its calibration, so no run is measured where it fitted anything), CTR on every row, CVR on the
// clicked rows. Champion and challenger are scored by the same function on the same rows.
import { binaryMetrics } from '../eval/metrics.js';
import type { DataSources, TableSource } from '../data/sources.js';
import type { LoadedRun } from '../pipeline/load-run.js';
import type { SliceMetrics } from './gate.js';
import { scoreEvents, type ScoredEvents } from './run-rows.js';

/** Rows [floor(n/2), n) of a slice of n events: where metrics are reported. */
export function reportRows(n: number): Int32Array {
  const from = Math.floor(n / 2);
  return Int32Array.from({ length: n - from }, (_, i) => from + i);
}

/** Metrics of scored events on `rows`. */
export function metricsOn(scored: ScoredEvents, rows: Int32Array): SliceMetrics {
  const t = scored.table;
  const pick = (values: ArrayLike<number>, at: ArrayLike<number>): Float32Array => Float32Array.from(at, (r) => values[r]);
  const clicked = Int32Array.from(rows).filter((r) => t.clicked[r] === 1);
  return {
    ctr: binaryMetrics(pick(scored.pctr, rows), pick(t.clicked, rows), Float64Array.from(rows, (r) => t.userId[r])),
    cvr: binaryMetrics(pick(scored.pcvr, clicked), pick(t.converted, clicked)),
  };
}

/** The run's metrics on the report half of `slice`, with the current catalogues. */
export async function sliceMetrics(run: LoadedRun, slice: TableSource, catalogs: Pick<DataSources, 'user_catalog' | 'ad_catalog'>): Promise<SliceMetrics> {
  const scored = await scoreEvents(run, slice, catalogs);
  return metricsOn(scored, reportRows(scored.table.n));
}
