// An example ReportData of a typical CTR run, built from a sampled log (deterministic for a seed): every kind of
// table and chart the pipeline's report uses, with different x grids, log axes, gaps, null cells and a band.
// The tests render it; it also shows a pipeline stage how to compose its section.
import { Rng } from '../../core/rng.js';
import { calibrate, fitPlatt } from '../../train/platt.js';
import { logLoss, mean, rocAuc } from '../metrics.js';
import type { LineChart, ReportData, ReportSection, ReportTable } from '../report-data.js';
import { reliabilityBins, rocCorners, sampleScoredLog, sigmoid, type ScoredLog } from './fixture-curves.js';

function probs(logits: Float64Array, map: (z: number) => number = sigmoid): Float64Array {
  return logits.map(map);
}

function metricsSection(log: ScoredLog, calibrated: Float64Array): ReportSection {
  const rate = mean(log.labels);
  const row = (p: Float64Array) => [rocAuc(p, log.labels), logLoss(p, log.labels), mean(p) / rate];
  const table: ReportTable = {
    title: 'Held-out log, CTR',
    columns: [
      { label: 'model', format: 'text' },
      { label: 'ROC-AUC', format: 'fixed4', better: 'higher' },
      { label: 'log loss', format: 'fixed4', better: 'lower' },
      { label: 'calibration ratio', format: 'fixed3' },
    ],
    rows: [
      { cells: ['CTR model (calibrated)', ...row(calibrated)], role: 'model' },
      { cells: ['CTR model (raw)', ...row(probs(log.modelLogit))], role: 'model', note: 'focal loss: scores are not probabilities' },
      { cells: ['logistic regression', ...row(probs(log.baselineLogit))], role: 'baseline' },
      { cells: ['constant CTR', 0.5, logLoss(new Float64Array(log.labels.length).fill(rate), log.labels), 1], role: 'baseline' },
      { cells: ['ad popularity', 0.6112, null, null], role: 'baseline', note: 'a ranking only: no probabilities' },
      { cells: ['oracle (true p)', ...row(log.truth)], role: 'oracle' },
    ],
  };
  return {
    id: 'metrics',
    title: 'Metrics against baselines',
    paragraphs: [`${log.labels.length.toLocaleString('en-US')} held-out impressions, CTR ${(100 * rate).toFixed(2)}%.`],
    tables: [table],
  };
}

function rocSection(log: ScoredLog, calibrated: Float64Array): ReportSection {
  const curve = (label: string, scores: ArrayLike<number>, role: 'model' | 'baseline' | 'oracle', dashed = false) => {
    const { fpr, tpr } = rocCorners(scores, log.labels);
    return { label, x: fpr, y: tpr, role, dashed };
  };
  const chart: LineChart = {
    kind: 'line',
    id: 'roc-ctr',
    title: 'ROC, CTR model',
    xLabel: 'false positive rate',
    yLabel: 'true positive rate',
    xRange: [0, 1],
    yRange: [0, 1],
    diagonal: true,
    series: [curve('CTR model', calibrated, 'model'), curve('logistic regression', log.baselineLogit, 'baseline'), curve('oracle', log.truth, 'oracle', true)],
  };
  return { id: 'roc', title: 'ROC curves', charts: [chart] };
}

function calibrationSection(log: ScoredLog, calibrated: Float64Array): ReportSection {
  const before = reliabilityBins(probs(log.modelLogit), log.labels, 12);
  const after = reliabilityBins(calibrated, log.labels, 12);
  const reliability = (id: string, title: string, bins: typeof before, role: 'model' | 'baseline'): LineChart => ({
    kind: 'line',
    id,
    title,
    xLabel: 'mean predicted CTR (log)',
    yLabel: 'observed CTR (log)',
    xLog: true,
    yLog: true,
    diagonal: true,
    // a bin without a click has an observed rate of 0: a gap on the log axis
    series: [{ label: 'observed vs predicted', x: bins.predicted, y: bins.observed, role, points: true }],
  });
  return {
    id: 'calibration',
    title: 'Calibration',
    paragraphs: ['Twelve equal-count bins by predicted CTR. Platt scaling was fitted on a separate half of the log.'],
    charts: [reliability('reliability-before', 'Before calibration', before, 'baseline'), reliability('reliability-after', 'After Platt calibration', after, 'model')],
  };
}

function trainingSection(rng: Rng): ReportSection {
  const epochs = Array.from({ length: 12 }, (_, i) => i + 1);
  const curve = (start: number, floor: number, overfit: number) =>
    epochs.map((e) => floor + (start - floor) * Math.exp(-0.45 * e) + overfit * Math.max(0, e - 6) ** 1.5 + 0.0004 * rng.normal());
  const chart = (id: string, title: string, train: number[], validation: (number | null)[]): LineChart => ({
    kind: 'line',
    id,
    title,
    xLabel: 'epoch',
    yLabel: 'log loss',
    series: [
      { label: 'training', x: epochs, y: train, role: 'model', dashed: true },
      { label: 'validation', x: epochs, y: validation, role: 'model', points: true },
    ],
  });
  const cvrValidation: (number | null)[] = curve(0.42, 0.31, 0.004);
  cvrValidation[4] = null; // an epoch whose validation pass was skipped
  return {
    id: 'training',
    title: 'Training curves',
    charts: [
      chart('training-ctr', 'CTR model', curve(0.19, 0.136, 0), curve(0.2, 0.142, 0.0009)),
      chart('training-cvr', 'CVR model (ESMM)', curve(0.4, 0.27, 0), cvrValidation),
    ],
  };
}

function retrievalSection(): ReportSection {
  const ks = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  const catalogue = 2000;
  const recall = (scale: number, shape: number) => ks.map((k) => 1 - Math.exp(-((k / scale) ** shape)));
  return {
    id: 'retrieval',
    title: 'Retrieval: recall@k',
    charts: [
      {
        kind: 'line',
        id: 'recall-at-k',
        title: 'Recall@k of the clicked ad',
        xLabel: 'k (log)',
        yLabel: 'recall',
        xLog: true,
        yRange: [0, 1],
        series: [
          { label: 'two-tower', x: ks, y: recall(140, 0.7), role: 'model', points: true },
          { label: 'popularity', x: ks, y: recall(420, 0.75), role: 'baseline', points: true },
          { label: 'random', x: ks, y: ks.map((k) => k / catalogue), role: 'baseline', dashed: true },
        ],
      },
    ],
  };
}

function seedSection(): ReportSection {
  return {
    id: 'seed',
    title: 'The seed preset and the oracle',
    paragraphs: ['The seed world (10 users, 20 ads) trained with the blog\'s settings, next to adrank\'s defaults and the true probabilities.'],
    tables: [
      {
        columns: [
          { label: 'run', format: 'text' },
          { label: 'features', format: 'text' },
          { label: 'ROC-AUC', format: 'fixed4', better: 'higher' },
          { label: 'log loss', format: 'fixed4', better: 'lower' },
          { label: 'epochs', format: 'int' },
        ],
        rows: [
          { cells: ['seed preset', 'snapshot', 0.6647, 0.2934, 20], role: 'seed', note: 'the seed\'s features contain each row\'s own label' },
          { cells: ['adrank', 'point-in-time', 0.6767, 0.1421, 9], role: 'model' },
          { cells: ['oracle', 'true p', 0.8327, 0.1302, null], role: 'oracle' },
        ],
      },
    ],
  };
}

function segmentsSection(): ReportSection {
  const columns: ReportTable['columns'] = [
    { label: 'segment', format: 'text' },
    { label: 'impressions', format: 'int' },
    { label: 'CTR', format: 'percent' },
    { label: 'ROC-AUC', format: 'fixed4', better: 'higher' },
    { label: 'log loss', format: 'fixed4', better: 'lower' },
  ];
  return {
    id: 'segments',
    title: 'Metrics by segment',
    tables: [
      {
        title: 'By device',
        columns,
        rows: [
          { cells: ['mobile', 11832, 0.0372, 0.7431, 0.1387], role: 'segment' },
          { cells: ['desktop', 6105, 0.0331, 0.7302, 0.1329], role: 'segment' },
          { cells: ['tablet', 2063, 0.0305, 0.7188, 0.1270], role: 'segment' },
        ],
      },
      {
        title: 'By user history',
        columns,
        rows: [
          { cells: ['new users', 1520, 0.0296, 0.6512, 0.1394], role: 'segment' },
          { cells: ['returning users', 18461, 0.0362, 0.7455, 0.1361], role: 'segment' },
          // no click in a tiny segment: ROC-AUC is undefined (NaN), shown as "–"
          { cells: ['unknown country', 19, 0, Number.NaN, 0.0212], role: 'warn', note: 'too few impressions to measure' },
        ],
      },
    ],
  };
}

function timingsSection(): ReportSection {
  const stages = ['load + validate', 'features (point-in-time)', 'FeatureMap + encode', 'two-tower', 'CTR model', 'CVR model (ESMM)', 'calibration', 'evaluation'];
  const seconds = [1.82, 6.4, 2.05, 31.7, 48.3, 52.9, 0.04, 3.3];
  return {
    id: 'timings',
    title: 'Stage timings',
    tables: [
      {
        columns: [{ label: 'stage', format: 'text' }, { label: 'wall time', format: 'seconds' }, { label: 'peak memory (MB)', format: 'int' }],
        rows: stages.map((stage, i) => ({ cells: [stage, seconds[i], [412, 980, 1210, 1490, 1720, 1755, 1755, 1802][i]] })),
      },
    ],
    charts: [
      { kind: 'bar', id: 'stage-seconds', title: 'Wall time per stage', yLabel: 'seconds', categories: stages, series: [{ label: 'wall time (s)', values: seconds }], horizontal: true },
      {
        kind: 'bar',
        id: 'ctr-by-device',
        title: 'CTR by device: logged and predicted',
        yLabel: 'CTR',
        categories: ['mobile', 'desktop', 'tablet'],
        series: [
          { label: 'logged', values: [0.0372, 0.0331, 0.0305], role: 'oracle' },
          { label: 'predicted (calibrated)', values: [0.0366, 0.0338, 0.0297], role: 'model' },
        ],
      },
    ],
  };
}

function simulationSection(rng: Rng): ReportSection {
  const days = Array.from({ length: 14 }, (_, i) => i + 1);
  const policy = (level: number, trend: number) => {
    const y = days.map((d) => level + trend * d + 40 * rng.normal());
    return { y, band: { lower: y.map((v, i) => v - 120 / Math.sqrt(days[i])), upper: y.map((v, i) => v + 120 / Math.sqrt(days[i])) } };
  };
  const champion = policy(1480, 2);
  const challenger = policy(1510, 6);
  return {
    id: 'simulation',
    title: 'Closed-loop simulation',
    paragraphs: ['Revenue per simulated day under two policies, with 95% confidence bands.'],
    charts: [
      {
        kind: 'line',
        id: 'revenue-per-day',
        title: 'Revenue per day',
        xLabel: 'day',
        yLabel: 'revenue',
        series: [
          { label: 'champion', x: days, y: champion.y, band: champion.band, role: 'baseline' },
          { label: 'challenger', x: days, y: challenger.y, band: challenger.band, role: 'model' },
        ],
      },
    ],
  };
}

/** The report of a typical CTR run on a generated world (about 20k held-out impressions at 3.5% CTR). */
export function typicalCtrRunReport(seed = 7): ReportData {
  const rng = new Rng(seed);
  const log = sampleScoredLog(rng.fork('log'), 20_000);
  // Platt scaling fitted on the first half of the log, applied to all of it
  const half = log.labels.length / 2;
  const platt = fitPlatt(log.modelLogit.subarray(0, half), log.labels.subarray(0, half));
  const calibrated = probs(log.modelLogit, (z) => calibrate(platt, z));
  return {
    title: 'adrank run 2026-03-01T12-00-00Z',
    subtitle: 'CTR and CVR models on the small world (point-in-time features)',
    meta: [
      { label: 'run', value: 'runs/2026-03-01T12-00-00Z' },
      { label: 'created', value: '2026-03-01 12:00:00 UTC' },
      { label: 'data', value: '10,000 users · 2,000 ads · 200,000 training events · 20,000 held-out' },
      { label: 'config', value: 'features point-in-time; CTR seed DLRM, focal loss; CVR ESMM; Platt calibration' },
      { label: 'FeatureMap', value: 'sha256:9f2c4e1ab37d0c55e8a1f0b6d2c47a9e13f5b8c0d4e6a2f7b9c1d3e5f7a9b0c2' },
    ],
    sections: [
      metricsSection(log, calibrated),
      rocSection(log, calibrated),
      calibrationSection(log, calibrated),
      trainingSection(rng.fork('training')),
      retrievalSection(),
      seedSection(),
      segmentsSection(),
      timingsSection(),
      simulationSection(rng.fork('simulation')),
    ],
  };
}
