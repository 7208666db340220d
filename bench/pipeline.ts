// npm run bench:pipeline — `adrank train` end to end on a generated world (default: medium, 1M events), in this
// process: wall time per stage, peak memory, and every target of the pipeline against its number.
// Usage: node dist/bench/pipeline.js [preset=medium] [config preset=default]
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSources } from '../src/data/sources.js';
import { resolveTrainConfig, type PresetName } from '../src/pipeline/config.js';
import type { MetricRow } from '../src/pipeline/stages/evaluate.js';
import { trainRun } from '../src/pipeline/train-run.js';
import { peakRssMb, report, round } from './measure.js';
import { benchWorld } from './worlds.js';

const preset = process.argv[2] ?? 'medium';
const configName = (process.argv[3] ?? 'default') as PresetName;
const dir = await benchWorld(preset);
const out = join(tmpdir(), `adrank-bench-run-${preset}-${configName}`);
rmSync(out, { recursive: true, force: true });
const config = await resolveTrainConfig(configName);
const summary = await trainRun({
  sources: resolveSources(dir), out, config, onBadRow: 'fail', replace: true, screenshot: false, worldDir: dir,
  progress: { stage: (name, seconds) => process.stderr.write(`[${name}] ${seconds.toFixed(1)} s\n`), epoch: () => {} },
});
const m = summary.metrics;
const find = (rows: MetricRow[], prefix: string): MetricRow => rows.find((r) => r.name.startsWith(prefix))!;
const ctrModel = find(m.ctr.results, 'CTR model');
const ctrLr = find(m.ctr.results, 'logistic regression');
const cvrModel = find(m.cvr.results, 'CVR model');
const cvrLr = find(m.cvr.results, 'logistic regression');
const k100 = m.retrieval.k.indexOf(100);
const recall = (name: string): number => m.retrieval.results.find((r) => r.name === name)?.recall[k100] ?? NaN;
const twoTower = recall('two-tower');
const popCategory = recall('popularity × user category CTR ratio');
const targets = {
  ctrAucOverLr: { value: round(ctrModel.metrics.auc - ctrLr.metrics.auc, 4), target: '≥ 0.015' },
  ctrLogLossBelowLr: { value: round(ctrLr.metrics.logLoss - ctrModel.metrics.logLoss, 5), target: '> 0' },
  ctrEce: { value: round(ctrModel.metrics.ece, 5), target: '≤ 0.002' },
  ctrCalibrationRatio: { value: round(ctrModel.metrics.calibrationRatio, 4), target: '0.98–1.02' },
  cvrAucOverLr: { value: round(cvrModel.metrics.auc - cvrLr.metrics.auc, 4), target: '≥ 0.01' },
  recall100OverPopularityCategory: { value: round(twoTower / popCategory, 3), target: '≥ 1.25' },
  coldUsersRelativeError: { value: m.coldUsers ? round(m.coldUsers.relativeError, 4) : null, events: m.coldUsers?.events, target: 'within ±0.10' },
  seconds: { value: round(summary.seconds, 1), target: preset === 'medium' ? '≤ 90' : 'completes' },
  peakRssMb: { value: peakRssMb(), target: preset === 'medium' ? '≤ 3072' : 'reported' },
};
report({
  bench: 'pipeline', preset, config: configName, seconds: round(summary.seconds, 1), cpuSeconds: round((process.cpuUsage().user + process.cpuUsage().system) / 1e6, 1), peakRssMb: peakRssMb(),
  loadAverage: (await import('node:os')).loadavg().map((x) => round(x, 2)),
  stages: Object.fromEntries(summary.timings.map((t) => [t.stage, round(t.seconds, 1)])),
  ctr: Object.fromEntries(m.ctr.results.map((r) => [r.name, { auc: round(r.metrics.auc, 4), logLoss: round(r.metrics.logLoss, 5), ece: round(r.metrics.ece, 5), ratio: round(r.metrics.calibrationRatio, 3) }])),
  cvr: Object.fromEntries(m.cvr.results.map((r) => [r.name, { auc: round(r.metrics.auc, 4), logLoss: round(r.metrics.logLoss, 5) }])),
  recall: Object.fromEntries(m.retrieval.results.map((r) => [r.name, r.recall.map((x) => round(x, 4))])),
  recallK: m.retrieval.k,
  coldUsers: m.coldUsers,
  targets,
});
