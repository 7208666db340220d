// `adrank evaluate`: a trained run measured on another held-out log, as it would serve it — every event scored with
// the user and the ad as of the end of training (predict-run.ts), the run's calibration; recall@k by the two-tower
// score and through the run's own serving index. The same metrics as `adrank train` reports (AUC, log loss, NE, ECE, calibration
// ratio, GAUC), overall and by segment, CVR on the clicked rows, and the oracle beside them on a generated world.
// Legend: N events, Q clicked events.
import type { LoadedData } from '../data/load.js';
import { Rng } from '../core/rng.js';
import { binaryMetrics, mean, type BinaryMetrics } from '../eval/metrics.js';
import { readHeldOutTruth } from '../eval/oracle.js';
import type { LoadedRun } from './load-run.js';
import { RunScorer, type EventRow } from './predict-run.js';
import { rankOfClicked } from './stages/recall.js';

export interface TaskMetrics {
  model: BinaryMetrics;
  /** the model's sigmoid(logit), before calibration */
  raw: BinaryMetrics;
  oracle: BinaryMetrics | null;
  segments: { segment: string; rows: number; model: BinaryMetrics }[];
}

export interface RunEvaluation {
  table: string;
  events: number;
  /** events of users without training events (the cold path), of users not in the run's user catalogue, of unknown ads */
  newUsers: number;
  unknownUsers: number;
  unknownAds: number;
  ctr: TaskMetrics;
  cvr: TaskMetrics;
  /** recall@k of the clicked ad: by the two-tower score over the whole catalogue (the model), and through the serving index (the shortlist as served) */
  retrieval: { k: number[]; clicks: number; sampledFrom: number; recall: number[]; servedRecall: number[] };
  coldUsers: { events: number; observedCtr: number; meanCalibratedPctr: number; relativeError: number } | null;
}

interface LabelledEvents {
  events: EventRow[];
  clicked: Float32Array;
  converted: Float32Array;
}

async function readEvents(data: LoadedData, table: string): Promise<LabelledEvents> {
  const rows = await data.db.rows(`SELECT user_id::DOUBLE AS u, ad_id::DOUBLE AS a, CAST(device AS VARCHAR) AS d, CAST(location AS VARCHAR) AS l, weekday, month, hour, clicked, converted
      FROM ${table} ORDER BY event_idx`);
  return {
    events: rows.map((r) => ({ userId: Number(r.u), adId: Number(r.a), device: String(r.d), location: String(r.l), weekday: Number(r.weekday), month: Number(r.month), hour: Number(r.hour) })),
    clicked: Float32Array.from(rows, (r) => Number(r.clicked)),
    converted: Float32Array.from(rows, (r) => Number(r.converted)),
  };
}

function task(rows: Int32Array, probs: Float32Array, logits: Float32Array, labels: Float32Array, users: Float64Array, oracle: Float64Array | null, segments: { name: string; keep: (r: number) => boolean }[]): TaskMetrics {
  const pick = (values: ArrayLike<number>, subset: Int32Array): Float32Array => Float32Array.from(subset, (r) => values[r]);
  const measure = (subset: Int32Array, p: ArrayLike<number>): BinaryMetrics => binaryMetrics(pick(p, subset), pick(labels, subset), Float64Array.from(subset, (r) => users[r]));
  return {
    model: measure(rows, probs),
    raw: measure(rows, Float32Array.from(logits, (z) => 1 / (1 + Math.exp(-z)))),
    oracle: oracle ? measure(rows, oracle) : null,
    segments: segments
      .map((s) => ({ segment: s.name, subset: rows.filter(s.keep) }))
      .filter((s) => s.subset.length > 0)
      .map((s) => ({ segment: s.segment, rows: s.subset.length, model: measure(s.subset, probs) })),
  };
}

/** Scores the data's held-out log (its event log when it has none) with the run, and measures it. */
/** The ad ids a request's retrieval shortlists, best first (the serving ranker's `retrieve`). */
export type Retrieve = (request: EventRow, k: number) => Promise<{ adIds: number[] }>;

export async function evaluateOnData(run: LoadedRun, retrieve: Retrieve, data: LoadedData, options: { worldDir?: string; maxClicks: number; seed: number }): Promise<RunEvaluation> {
  const table = data.sources.test_event_log ? 'test_event_log' : 'event_log';
  const { events, clicked, converted } = await readEvents(data, table);
  const n = events.length;
  const scorer = await RunScorer.open(run);
  const scores = await scorer.score(events);
  const truth = table === 'test_event_log' && options.worldDir ? await readHeldOutTruth(data, options.worldDir) : null;
  const users = Float64Array.from(events, (e) => e.userId);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const segments = [
    { name: 'returning users', keep: (r: number) => scores.userImpressions[r] > 0 },
    { name: 'new users', keep: (r: number) => !(scores.userImpressions[r] > 0) },
    ...[...new Set(events.map((e) => e.device))].sort().map((d) => ({ name: `device ${d}`, keep: (r: number) => events[r].device === d })),
  ];
  const ctr = task(all, scores.pctr, scores.ctrLogit, clicked, users, truth?.pClick ?? null, segments);
  const clickedRows = all.filter((r) => clicked[r] === 1);
  const cvr = task(clickedRows, scores.pcvr, scores.cvrLogit, converted, users, truth?.pConvertGivenClick ?? null, segments);

  // recall@k of the clicked ad, retrieved through the run's index exactly as serving retrieves
  const k = run.config.evaluation.recallAtK;
  const kMax = Math.max(...k);
  const rng = new Rng(options.seed).fork('evaluate recall');
  const sample = clickedRows.length > options.maxClicks ? Array.from(rng.permutation(clickedRows.length).subarray(0, options.maxClicks), (i) => clickedRows[i]) : Array.from(clickedRows);
  const served = new Float64Array(k.length);
  for (const r of sample) {
    const { adIds } = await retrieve(events[r], kMax);
    const at = adIds.indexOf(events[r].adId);
    k.forEach((kk, j) => (served[j] += at >= 0 && at < kk ? 1 : 0));
  }
  const adRow = new Map(Array.from(scorer.catalog.adId, (id, a) => [id, a]));
  const known = sample.filter((r) => adRow.has(events[r].adId));
  const ranks = await rankOfClicked(await scorer.userVectors(known.map((r) => events[r])), run.adVectors, run.dim, Int32Array.from(known, (r) => adRow.get(events[r].adId)!));
  const recall = k.map((kk) => (sample.length ? ranks.filter((x) => x < kk).length / sample.length : Number.NaN));

  const coldRows = all.filter((r) => !(scores.userImpressions[r] > 0));
  const coldUsers = coldRows.length
    ? (() => {
        const observedCtr = mean(Float32Array.from(coldRows, (r) => clicked[r]));
        const meanCalibratedPctr = mean(Float32Array.from(coldRows, (r) => scores.pctr[r]));
        return { events: coldRows.length, observedCtr, meanCalibratedPctr, relativeError: meanCalibratedPctr / observedCtr - 1 };
      })()
    : null;
  return {
    table, events: n, newUsers: coldRows.length,
    unknownUsers: scores.userKnown.reduce((s, x) => s + (x ? 0 : 1), 0), unknownAds: scores.adKnown.reduce((s, x) => s + (x ? 0 : 1), 0),
    ctr, cvr,
    retrieval: { k, clicks: sample.length, sampledFrom: clickedRows.length, recall, servedRecall: Array.from(served, (h) => (sample.length ? h / sample.length : Number.NaN)) },
    coldUsers,
  };
}
