// What the seed's label leakage costs, over several seeds: the seed's CTR model trained on snapshot features (each
// row's aggregates include its own label) and on leak-free point-in-time features, on the same small world, both
// scored on the held-out log (AUC). Prints one line per seed and the mean and standard deviation of the gap.
// Usage: node dist/bench/leakage.js [seeds=5] [epochs=2]
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { buildFeatures } from '../src/features/pipeline.js';
import { SEED_CTR_LOSS } from '../src/train/ctr-graph.js';
import { trainCtrOnFeatures } from '../src/train/ctr-pipeline.js';
import { SEED_OPTIMIZER } from '../src/train/train-step.js';
import { report, round } from './measure.js';
import { benchWorld } from './worlds.js';

const seeds = Number(process.argv[2] ?? 5);
const epochs = Number(process.argv[3] ?? 2);
const data = await loadData(resolveSources(await benchWorld('small')));
const stages = {
  'point-in-time': await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength: 0 }),
  snapshot: await buildFeatures(data, { mode: 'snapshot', ctrPriorStrength: 0 }),
};
const gaps: number[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const auc: Record<string, number> = {};
  const trainLoss: Record<string, number> = {};
  for (const [mode, stage] of Object.entries(stages)) {
    const run = await trainCtrOnFeatures(data, stage, SEED_CTR_LOSS, { epochs, batchSize: 256, seed, patience: 100, optimizer: SEED_OPTIMIZER });
    auc[mode] = run.heldOut!.auc;
    trainLoss[mode] = run.result.history[run.result.history.length - 1].trainLoss;
  }
  gaps.push(auc['point-in-time'] - auc.snapshot);
  report({ bench: 'leakage', seed, epochs, heldOutAuc: { pointInTime: round(auc['point-in-time'], 4), snapshot: round(auc.snapshot, 4) }, trainFocalLoss: { pointInTime: round(trainLoss['point-in-time'], 5), snapshot: round(trainLoss.snapshot, 5) } });
}
const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / Math.max(1, gaps.length - 1));
report({ bench: 'leakage', seeds, aucGapPointInTimeMinusSnapshot: { mean: round(mean, 4), sd: round(sd, 4), min: round(Math.min(...gaps), 4), max: round(Math.max(...gaps), 4) } });
data.db.close();
