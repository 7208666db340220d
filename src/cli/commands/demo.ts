// adrank demo (what `npm start` runs): the pipeline end to end on the embedded defaults.
// For the seed world and the small world: generate, load and validate, build leak-free features,
// fit the FeatureMap, write the run (feature_map.json + online tables) and serve one lookup from it; then
// train the seed's CTR model on point-in-time and on snapshot features and score both on the held-out log,
// which measures what the seed's label leakage costs.
import { join } from 'node:path';
import { worldSpec } from '../../data/generate/presets.js';
import { writeWorld } from '../../data/generate/write-world.js';
import { loadData } from '../../data/load.js';
import { resolveSources } from '../../data/sources.js';
import { describeData } from '../../data/stats.js';
import { MemoryFeatureStore } from '../../features/online/memory-store.js';
import { buildFeatures, writeFeatureRun } from '../../features/pipeline.js';
import { SEED_CTR_LOSS } from '../../train/ctr-graph.js';
import { trainCtrOnFeatures } from '../../train/ctr-pipeline.js';
import { heldOutOracle } from '../../eval/oracle.js';
import { SEED_OPTIMIZER } from '../../train/train-step.js';
import { createProgress } from '../progress.js';
import type { Command } from '../command.js';
import { formatIssues } from '../data-input.js';
import { formatStats } from './inspect.js';

/** The seed's training settings for its toy world; fewer, larger batches for the small world. */
const TRAINING: Record<string, { epochs: number; batchSize: number }> = {
  seed: { epochs: 20, batchSize: 16 },
  small: { epochs: 2, batchSize: 256 },
};

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the pipeline end to end on generated worlds (the seed world and the small world). This is what `npm start` runs.',
  positionals: [],
  options: [
    { name: 'out', type: 'string', default: 'runs/demo', help: 'working directory for the generated worlds and runs' },
    { name: 'seed', type: 'int', default: 42, min: 0, help: 'random seed' },
  ],
  async run(args, ctx) {
    const out = args.requireString('out');
    const seed = args.number('seed')!;
    const worlds: Record<string, unknown> = {};
    for (const preset of ['seed', 'small']) {
      const dir = join(out, preset, 'data');
      const runDir = join(out, preset, 'run');
      const progress = createProgress(preset);
      const generated = await writeWorld(worldSpec(preset, seed), dir, 'csv', (stage, done, total) => progress.update(done, total, `${preset}: ${stage}`));
      progress.finish();
      const data = await loadData(resolveSources(dir));
      try {
        const stats = await describeData(data, 5);
        ctx.print(`\n== ${preset} world → ${dir}\n${formatStats(stats)}\n${formatIssues(data.report.issues)}`);
        const started = performance.now();
        const stage = await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength: 0 });
        await writeFeatureRun(data, stage, runDir);
        const featureSeconds = (performance.now() - started) / 1000;
        ctx.print(`features: point-in-time aggregates for ${data.counts.events} events, FeatureMap ${stage.featureMap.contentHash.slice(0, 19)}…, online tables → ${runDir} (${featureSeconds.toFixed(1)} s)`);
        const store = await MemoryFeatureStore.open(runDir);
        const lookup = store.lookupSync(1, [1, 2, 3]);
        ctx.print(`online store: user 1 (${lookup.user.ageGroup}, ${lookup.user.country}) historical CTR ${lookup.user.userHistoricalCtr.toFixed(3)}; ads 1–3 category ${lookup.ads.category.join('/')}, user×category CTR ${Array.from(lookup.ads.userXCategoryCtr, (x) => x.toFixed(3)).join('/')}`);
        const oracle = await heldOutOracle(data, dir);
        ctx.print(`oracle (the world's true pCTR) on the held-out log: AUC ${oracle.auc.toFixed(4)}, log loss ${oracle.logLoss.toFixed(4)}`);
        const leakage: Record<string, unknown> = { oracle };
        for (const mode of ['point-in-time', 'snapshot'] as const) {
          const modeStage = mode === 'point-in-time' ? stage : await buildFeatures(data, { mode, ctrPriorStrength: 0 });
          const run = await trainCtrOnFeatures(data, modeStage, SEED_CTR_LOSS, { ...TRAINING[preset], optimizer: SEED_OPTIMIZER, seed, patience: 100 });
          const h = run.heldOut!;
          const last = run.result.history[run.result.history.length - 1];
          ctx.print(`CTR model on ${mode.padEnd(13)} features: ${run.result.history.length} epochs, train focal loss ${last.trainLoss.toFixed(4)}; held-out AUC ${h.auc.toFixed(4)}, log loss ${h.logLoss.toFixed(4)}, mean pCTR ${h.meanPrediction.toFixed(3)} vs CTR ${h.clickRate.toFixed(3)}`);
          leakage[mode] = { epochs: run.result.history, heldOut: h };
        }
        worlds[preset] = { dir, runDir, generated, stats, featureMapHash: stage.featureMap.contentHash, featureSeconds, ctr: leakage };
      } finally {
        data.db.close();
      }
    }
    return { worlds };
  },
};
