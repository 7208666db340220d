// The report of a trained run as report data: the metric tables of CTR, CVR and retrieval against baselines and the
// oracle, by segment; ROC curves; reliability before and after calibration; training curves; recall@k; the cold
// path; stage timings. The renderer (eval/report.ts) turns it into one self-contained HTML page.
import type { CellRole, LineChart, ReportData, ReportSection, ReportTable } from '../eval/report-data.js';
import type { TrainedRun } from './train-run.js';
import type { BinaryEvaluation, MetricRow } from './stages/evaluate.js';
import type { RunMetrics } from './stages/run-evaluation.js';
import type { EpochReport } from '../train/progress.js';

const role = (r: string): CellRole => (r === 'model' || r === 'baseline' || r === 'oracle' || r === 'seed' ? r : 'segment');

function metricTable(title: string, rows: MetricRow[], withRaw: boolean): ReportTable {
  const table: ReportTable = {
    title,
    columns: [
      { label: 'scorer' }, { label: 'AUC', format: 'fixed4', better: 'higher' }, { label: 'GAUC', format: 'fixed4', better: 'higher' },
      { label: 'log loss', format: 'fixed4', better: 'lower' }, { label: 'NE', format: 'fixed4', better: 'lower' }, { label: 'ECE', format: 'fixed4', better: 'lower' },
      { label: 'ECE (equal mass)', format: 'fixed4', better: 'lower' }, { label: 'Σp / Σy', format: 'fixed3' }, { label: 'rows', format: 'int' },
    ],
    rows: [],
  };
  for (const r of rows) {
    const m = r.metrics;
    table.rows.push({ cells: [r.name, m.auc, m.gauc ?? null, m.logLoss, m.normalizedEntropy, m.ece, m.eceEqualMass, m.calibrationRatio, m.rows], role: role(r.role) });
    if (withRaw && r.raw) {
      const raw = r.raw;
      table.rows.push({ cells: [`${r.name} — before calibration`, raw.auc, raw.gauc ?? null, raw.logLoss, raw.normalizedEntropy, raw.ece, raw.eceEqualMass, raw.calibrationRatio, raw.rows], role: 'segment' });
    }
  }
  return table;
}

function binarySection(id: string, title: string, evaluation: BinaryEvaluation, paragraphs: string[]): ReportSection {
  const roc: LineChart = {
    kind: 'line', id: `${id}-roc`, title: `${title}: ROC curves`, xLabel: 'false positive rate', yLabel: 'true positive rate', diagonal: true, xRange: [0, 1], yRange: [0, 1],
    series: evaluation.curves.roc.map((c) => ({ label: c.name, x: c.fpr, y: c.tpr, role: role(c.role) })),
  };
  const reliability: LineChart = {
    kind: 'line', id: `${id}-reliability`, title: `${title}: reliability (equal-mass bins)`, xLabel: 'mean predicted probability', yLabel: 'observed rate', diagonal: true, xLog: true, yLog: true,
    series: evaluation.curves.reliability.map((c) => ({ label: c.name, x: c.bins.map((b) => b.meanPredicted), y: c.bins.map((b) => b.observedRate), points: true, role: c.name.endsWith('raw') ? 'baseline' : 'model' })),
  };
  return {
    id, title, paragraphs,
    tables: [metricTable(`${title} on ${evaluation.rows} reporting rows`, evaluation.results, true), ...evaluation.segments.map((s) => metricTable(`${s.segment} (${s.rows} rows)`, s.results, false))],
    charts: [roc, reliability],
  };
}

function trainingChart(id: string, title: string, history: EpochReport[]): LineChart {
  const epochs = history.map((h) => h.epoch + 1);
  const series: LineChart['series'] = [
    { label: 'training loss', x: epochs, y: history.map((h) => h.trainLoss), role: 'baseline', points: true },
    { label: 'validation loss', x: epochs, y: history.map((h) => h.validLoss), role: 'model', points: true },
  ];
  return { kind: 'line', id, title, xLabel: 'epoch', yLabel: 'loss', series };
}

export function buildRunReport(run: TrainedRun, metrics: RunMetrics, timings: { stage: string; seconds: number }[]): ReportData {
  const r = metrics.retrieval;
  const recallTable: ReportTable = {
    title: `recall@k of the clicked ad over all ${run.catalog.adId.length} ads (${r.clicks} clicked events${r.sampledFrom > r.clicks ? `, sampled from ${r.sampledFrom}` : ''})`,
    columns: [{ label: 'retriever' }, ...r.k.map((k) => ({ label: `recall@${k}`, format: 'fixed4' as const, better: 'higher' as const }))],
    rows: r.results.map((row) => ({ cells: [row.name, ...row.recall], role: role(row.role) })),
  };
  const segments = r.segments.map((s) => ({ ...recallTable, title: `${s.segment} (${s.clicks} clicks)`, rows: s.results.map((row) => ({ cells: [row.name, ...row.recall], role: role(row.role) })) }));
  const recallChart: LineChart = {
    kind: 'line', id: 'recall-curve', title: 'recall@k', xLabel: 'k', yLabel: 'recall', xLog: true,
    series: r.results.map((row) => ({ label: row.name, x: r.k, y: row.recall, role: role(row.role), points: true })),
  };
  const cold = metrics.coldUsers;
  const sections: ReportSection[] = [
    { id: 'verdicts', title: 'Summary', paragraphs: [metrics.protocol.note + (metrics.protocol.carved ? '; the held-out log was carved from the end of the event log' : '') + '.', ...metrics.verdicts] },
    binarySection('ctr', 'CTR', metrics.ctr, ['pCTR of every reporting row; baselines are trained on the same training rows and calibrated on the same calibration rows as the model.']),
    binarySection('cvr', 'CVR', metrics.cvr, ['pCVR = P(convert | click) on the clicked reporting rows.']),
    { id: 'retrieval', title: 'Retrieval', paragraphs: ['The user vector is computed as serving computes it: the user as of the end of training and the event\'s context, through the exported user tower.'], tables: [recallTable, ...segments], charts: [recallChart] },
    {
      id: 'cold', title: 'The cold path',
      paragraphs: [cold ? `Held-out events of users with no training events: ${cold.events} events, ${cold.clicks} clicks. Observed CTR ${(cold.observedCtr * 100).toFixed(3)}%, mean calibrated pCTR ${(cold.meanCalibratedPctr * 100).toFixed(3)}% (${(cold.relativeError * 100).toFixed(1)}%).` : 'Every reporting event belongs to a user with training events.'],
    },
    {
      id: 'training', title: 'Training',
      charts: [trainingChart('train-ctr', 'CTR model', metrics.training.ctr), trainingChart('train-cvr', 'CVR model', metrics.training.cvr), trainingChart('train-retrieval', 'two-tower', metrics.training.retrieval)],
      paragraphs: [`Best epochs (1-based): two-tower ${metrics.training.bestEpochs.retrieval + 1}, CTR ${metrics.training.bestEpochs.ctr + 1}, CVR ${metrics.training.bestEpochs.cvr + 1}; the run keeps each model's best epoch.`],
    },
    {
      id: 'timings', title: 'Stage timings',
      charts: [{ kind: 'bar', id: 'timings-bar', title: 'seconds per stage', yLabel: 'seconds', horizontal: true, categories: timings.map((t) => t.stage), series: [{ label: 'seconds', values: timings.map((t) => t.seconds) }] }],
    },
  ];
  const counts = run.data.counts;
  return {
    title: `adrank run — ${run.config.name}`,
    subtitle: `${counts.events.toLocaleString('en-US')} training events, ${counts.testEvents.toLocaleString('en-US')} held-out, ${counts.users.toLocaleString('en-US')} users, ${counts.ads.toLocaleString('en-US')} ads`,
    meta: [
      { label: 'config', value: run.config.name },
      { label: 'features', value: `${run.config.features.mode}, CTR prior strength ${run.config.features.ctrPriorStrength}` },
      { label: 'FeatureMap', value: run.stage.featureMap.contentHash },
      { label: 'splits', value: `train ${metrics.protocol.trainRows}, validation ${metrics.protocol.validationRows}, calibration ${metrics.protocol.calibrationRows}, report ${metrics.protocol.reportRows}` },
    ],
    sections,
  };
}
