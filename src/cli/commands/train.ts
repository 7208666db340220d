// adrank train: the whole offline pipeline into one run directory (see src/pipeline/train-run.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OnBadRow } from '../../data/load.js';
import { dataSources, DATA_OPTIONS, loadForCommand } from '../data-input.js';
import { PRESETS, resolveTrainConfig, type PresetName } from '../../pipeline/config.js';
import { trainRun } from '../../pipeline/train-run.js';
import type { Command } from '../command.js';
import { formatTrainSummary } from '../format-metrics.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train and evaluate everything into a run directory: point-in-time features, the FeatureMap, the two-tower retrieval model, the CTR and CVR models, calibration, metrics against baselines and the oracle, and report.html.',
  positionals: [],
  options: [
    { name: 'data', type: 'string', help: 'data directory (event_log, user_catalog, ad_catalog, optional test_event_log)' },
    { name: 'out', type: 'string', help: 'the run directory to create' },
    { name: 'preset', type: 'string', choices: PRESETS, default: 'default', help: "seed: the blog's settings and protocol; default: adrank's tuned settings" },
    { name: 'config', type: 'string', help: 'a JSON file laid over the preset, key by key (see --print-config)' },
    { name: 'print-config', type: 'boolean', help: 'print the resolved config and exit' },
    { name: 'replace', type: 'boolean', help: 'rebuild an existing run directory (only one adrank wrote)' },
    { name: 'no-screenshot', type: 'boolean', help: 'do not render report.png in Chromium' },
    ...DATA_OPTIONS,
  ],
  async run(args, ctx) {
    const config = await resolveTrainConfig(args.requireString('preset') as PresetName, args.string('config'));
    if (args.flag('print-config')) {
      ctx.print(JSON.stringify(config, null, 2));
      return { config };
    }
    const dataDir = args.requireString('data');
    const out = args.requireString('out');
    const sources = dataSources(dataDir, args);
    const summary = await trainRun({
      sources, out, config, onBadRow: args.requireString('on-bad-row') as OnBadRow, replace: args.flag('replace'), screenshot: !args.flag('no-screenshot'),
      load: (s) => loadForCommand(s, args, ctx),
      worldDir: existsSync(join(dataDir, 'truth', 'world.json')) ? dataDir : undefined,
      progress: {
        stage: (name, seconds, note) => ctx.print(`[${name}] ${seconds.toFixed(1)} s${note ? ` — ${note}` : ''}`),
        epoch: (model, r) => ctx.print(`  ${model} epoch ${r.epoch + 1}: train loss ${r.trainLoss.toFixed(5)}${r.validLoss !== null ? `, validation loss ${r.validLoss.toFixed(5)}` : ''}${r.validAuc !== null ? `, AUC ${r.validAuc.toFixed(4)}` : ''} (${r.seconds.toFixed(1)} s)`),
      },
    });
    ctx.print(formatTrainSummary(summary));
    return summary;
  },
};
