// Drift of a log against the distribution a run was trained on. The reference is the run's training log with the
// aggregates as of the end of training (snapshot features: the values serving shows for those users and ads); the
// events get the same end-of-training aggregates, as serving would see them. Per feature of the run's models: PSI
// over quantile bins of the reference (numerical) or over values with "other" and OOV (categorical), the
// Jensen–Shannon distance and the OOV share; prediction drift (mean pCTR against the observed CTR, Σp / Σy) and
// label drift, overall and per day. Rows are sampled (deterministically) so a log of millions stays fast.
// Legend: N events, R reference rows, B bins.
import { AdrankError } from '../../core/errors.js';
import { Db } from '../../data/duckdb.js';
import type { DataSources, TableSource } from '../../data/sources.js';
import { describeColumns } from '../../data/staging.js';
import { TABLE_COLUMNS } from '../../data/schema.js';
import { encodeTable, type EncodedTable } from '../../features/encoder.js';
import { buildFeatures } from '../../features/pipeline.js';
import { vocabularyOf, idEncodingOf, type FeatureMap } from '../../features/feature-map.js';
import type { LoadedRun } from '../../pipeline/load-run.js';
import { loadWithRun, scoreTable } from '../run-rows.js';
import { binIndex, jensenShannon, psi, quantileEdges, shares, statusOf, type DriftStatus } from './stats.js';
import { isoDay } from '../window.js';
import { sampleTable } from './sample.js';

export interface DriftOptions {
  warn: number;
  alert: number;
  /** quantile bins of a numerical feature */
  bins: number;
  /** a categorical feature with more values keeps its most frequent ones, "other" and OOV */
  maxCategories: number;
  /** rows sampled from the events and from the reference */
  maxEvents: number;
  maxReferenceRows: number;
  catalogs?: Pick<DataSources, 'user_catalog' | 'ad_catalog'>;
}

export const DEFAULT_DRIFT: Omit<DriftOptions, 'catalogs'> = { warn: 0.1, alert: 0.25, bins: 10, maxCategories: 50, maxEvents: 500_000, maxReferenceRows: 500_000 };

export interface FeatureDrift {
  feature: string;
  kind: 'categorical' | 'numerical';
  psi: number;
  jensenShannon: number;
  status: DriftStatus;
  bins: number;
  /** categorical: the share of values that map to the OOV row, in the events and in the reference */
  oovShare?: number;
  referenceOovShare?: number;
}

export interface Outcomes {
  events: number;
  meanPctr: number;
  observedCtr: number;
  calibrationRatio: number;
  cvr: number;
}

export interface DayDrift extends Outcomes {
  day: string;
  features: Pick<FeatureDrift, 'feature' | 'psi' | 'jensenShannon' | 'status' | 'oovShare'>[];
  labelPsi: number;
}

export interface DriftReport {
  run: string;
  events: { file: string; rows: number; sampled: number };
  reference: { rows: number; sampled: number; ctr: number; cvr: number };
  thresholds: { warn: number; alert: number };
  features: FeatureDrift[];
  overall: Outcomes & { labelPsi: number; labelStatus: DriftStatus };
  days: DayDrift[];
  alerts: string[];
  warnings: string[];
}

/**
 * Refuses an events file with a column the schema does not have (a changed upstream schema is not drift); answers
 * the names of the columns it has.
 */
export async function checkEventColumns(events: TableSource): Promise<Set<string>> {
  const db = await Db.open();
  try {
    const present = await describeColumns(db, { source: events, readPath: events.path });
    const known = new Set(TABLE_COLUMNS.event_log.map((c) => c.name));
    const extra = [...present.keys()].filter((c) => !known.has(c));
    if (extra.length) {
      throw new AdrankError('UNEXPECTED_COLUMN', `${events.path} has column${extra.length > 1 ? 's' : ''} ${extra.map((c) => `"${c}"`).join(', ')} the event log schema does not have`, {
        location: { file: events.path, column: extra[0] },
        hint: `the run was trained on ${[...known].join(', ')}; a new column is a change of schema, not drift — drop it, or retrain on data that has it once the schema does`,
      });
    }
    return new Set(present.keys());
  } finally {
    db.close();
  }
}

/** A feature's binning, fitted on the reference. */
interface Binner {
  feature: string;
  kind: FeatureDrift['kind'];
  bins: number;
  /** bin of each row of a table (N) */
  assign(table: EncodedTable): Int32Array;
  oov?: number;
}

function categoricalBinner(map: FeatureMap, name: string, reference: EncodedTable, maxCategories: number): Binner {
  const codes = reference.categorical.get(name)!;
  const oov = idEncodingOf(map, name)?.spec.oovIndex ?? vocabularyOf(map, name).oovIndex;
  const frequency = new Map<number, number>();
  for (let i = 0; i < codes.length; i++) if (codes[i] !== oov) frequency.set(codes[i], (frequency.get(codes[i]) ?? 0) + 1);
  const kept = [...frequency.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxCategories - 2).map(([c]) => c);
  const binOf = new Map(kept.map((c, b) => [c, b]));
  const other = kept.length;
  const oovBin = kept.length + 1; // last: OOV
  return {
    feature: name, kind: 'categorical', bins: kept.length + 2, oov: oovBin,
    assign: (t) => Int32Array.from(t.categorical.get(name)!, (c) => (c === oov ? oovBin : binOf.get(c) ?? other)),
  };
}

function numericalBinner(name: string, reference: EncodedTable, bins: number): Binner {
  const edges = quantileEdges(reference.numerical.get(name)!, bins);
  return {
    feature: name, kind: 'numerical', bins: edges.length + 1,
    assign: (t) => Int32Array.from(t.numerical.get(name)!, (x) => binIndex(x, edges)),
  };
}

function distribution(assigned: Int32Array, bins: number, rows?: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(bins);
  if (rows) for (let i = 0; i < rows.length; i++) counts[assigned[rows[i]]]++;
  else for (let i = 0; i < assigned.length; i++) counts[assigned[i]]++;
  return shares(counts);
}

function outcomes(table: EncodedTable, pctr: Float32Array, rows: ArrayLike<number>): Outcomes {
  let p = 0;
  let y = 0;
  let conversions = 0;
  for (let i = 0; i < rows.length; i++) {
    p += pctr[rows[i]];
    y += table.clicked[rows[i]];
    conversions += table.converted[rows[i]];
  }
  return { events: rows.length, meanPctr: p / rows.length, observedCtr: y / rows.length, calibrationRatio: y > 0 ? p / y : NaN, cvr: y > 0 ? conversions / y : NaN };
}

const labelShares = (ctr: number): number[] => [1 - ctr, ctr];

/** The drift report of `events` against `run` (see the file comment). */
export async function computeDrift(run: LoadedRun, events: TableSource, options: DriftOptions): Promise<DriftReport> {
  const columns = await checkEventColumns(events);
  const data = await loadWithRun(run, events, options.catalogs);
  try {
    const rows = data.counts.testEvents;
    if (rows === 0) throw new AdrankError('EMPTY_TABLE', `${events.path} has no events`, { location: { file: events.path }, hint: 'give a log with at least one event' });
    const sampled = await sampleTable(data.db, 'test_event_log', options.maxEvents, 'events');
    data.counts.testEvents = sampled;
    const f = run.config.features;
    const stage = await buildFeatures(data, { mode: 'snapshot', ctrPriorStrength: f.ctrPriorStrength });
    const referenceRows = Number(await data.db.scalar(`SELECT count(*) FROM ${stage.tables.train}`));
    const referenceSampled = await sampleTable(data.db, stage.tables.train, options.maxReferenceRows, 'reference');
    const reference = await encodeTable(data.db, stage.tables.train, run.featureMap);
    const current = await encodeTable(data.db, stage.tables.test!, run.featureMap);
    const { pctr } = await scoreTable(run, data, current);
    // per day when the events themselves have event_time (the run's own training log may or may not)
    const dayOfRow = columns.has('event_time') ? await eventDays(data.db) : null;
    const report = assemble(run, events, options, reference, current, pctr, dayOfRow);
    report.events = { file: events.path, rows, sampled };
    report.reference.rows = referenceRows;
    report.reference.sampled = referenceSampled;
    return report;
  } finally {
    data.db.close();
  }
}

async function eventDays(db: Db): Promise<Float64Array> {
  const n = Number(await db.scalar('SELECT count(*) FROM test_event_log'));
  const days = new Float64Array(n);
  await db.readInto('SELECT floor(event_time / 86400) AS day FROM test_event_log ORDER BY event_idx', { day: days });
  return days;
}

function assemble(run: LoadedRun, events: TableSource, options: DriftOptions, reference: EncodedTable, current: EncodedTable, pctr: Float32Array, dayOfRow: Float64Array | null): DriftReport {
  const names = { categorical: [...new Set([...run.ctrFeatures.categorical, ...run.cvrFeatures.categorical])], numerical: [...new Set([...run.ctrFeatures.numerical, ...run.cvrFeatures.numerical])] };
  const binners = [
    ...names.categorical.map((n) => categoricalBinner(run.featureMap, n, reference, options.maxCategories)),
    ...names.numerical.map((n) => numericalBinner(n, reference, options.bins)),
  ];
  const status = (v: number): DriftStatus => statusOf(v, options.warn, options.alert);
  const refCtr = reference.clicked.reduce((s, y) => s + y, 0) / reference.n;
  const refConversions = reference.converted.reduce((s, y) => s + y, 0);
  const days = dayOfRow ? [...new Set(dayOfRow)].sort((a, b) => a - b) : [];
  const rowsOfDay = days.map((d) => Int32Array.from(dayOfRow!.keys()).filter((i) => dayOfRow![i] === d));
  const features: FeatureDrift[] = [];
  const perDay: DayDrift['features'][] = days.map(() => []);
  for (const b of binners) {
    const refAssigned = b.assign(reference);
    const curAssigned = b.assign(current);
    const e = distribution(refAssigned, b.bins);
    const a = distribution(curAssigned, b.bins);
    const value = psi(e, a);
    const drift: FeatureDrift = { feature: b.feature, kind: b.kind, psi: value, jensenShannon: jensenShannon(e, a), status: status(value), bins: b.bins };
    if (b.oov !== undefined) Object.assign(drift, { oovShare: a[b.oov], referenceOovShare: e[b.oov] });
    features.push(drift);
    rowsOfDay.forEach((rows, d) => {
      const day = distribution(curAssigned, b.bins, rows);
      const v = psi(e, day);
      perDay[d].push({ feature: b.feature, psi: v, jensenShannon: jensenShannon(e, day), status: status(v), ...(b.oov !== undefined ? { oovShare: day[b.oov] } : {}) });
    });
  }
  const all = Int32Array.from({ length: current.n }, (_, i) => i);
  const overall = outcomes(current, pctr, all);
  const labelPsi = psi(labelShares(refCtr), labelShares(overall.observedCtr));
  const alerts = features.filter((x) => x.status === 'alert').map((x) => `${x.feature}: PSI ${x.psi.toFixed(3)} ≥ ${options.alert}`);
  const warnings = features.filter((x) => x.status === 'warn').map((x) => `${x.feature}: PSI ${x.psi.toFixed(3)} ≥ ${options.warn}`);
  if (status(labelPsi) !== 'ok') (status(labelPsi) === 'alert' ? alerts : warnings).push(`label (CTR ${overall.observedCtr.toFixed(4)} against ${refCtr.toFixed(4)} in training): PSI ${labelPsi.toFixed(3)}`);
  return {
    run: run.dir,
    events: { file: events.path, rows: current.n, sampled: current.n },
    reference: { rows: reference.n, sampled: reference.n, ctr: refCtr, cvr: refConversions / Math.max(1, refCtr * reference.n) },
    thresholds: { warn: options.warn, alert: options.alert },
    features,
    overall: { ...overall, labelPsi, labelStatus: status(labelPsi) },
    days: days.map((d, i) => {
      const o = outcomes(current, pctr, rowsOfDay[i]);
      return { day: isoDay(d), ...o, features: perDay[i], labelPsi: psi(labelShares(refCtr), labelShares(o.observedCtr)) };
    }),
    alerts, warnings,
  };
}
