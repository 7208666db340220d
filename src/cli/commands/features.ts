// adrank features: the seed's 21-column feature table (leak-free point-in-time by default), and/or a run
// directory with the FeatureMap and the online feature tables. Everything that can be checked before the
// build (output paths and extensions, the held-out log for --split test) is checked first.
import { join, resolve } from 'node:path';
import { checkOutputPath } from '../../core/atomic-write.js';
import { AdrankError } from '../../core/errors.js';
import type { DataSources } from '../../data/sources.js';
import type { FeatureMode } from '../../features/aggregates.js';
import { checkFeatureTableOutput, exportFeatureTable } from '../../features/export.js';
import { FEATURE_MAP_FILE, buildFeatures } from '../../features/pipeline.js';
import { writeFeatureRun } from '../../pipeline/feature-run.js';
import { checkRunTarget } from '../../pipeline/run-dir.js';
import type { ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { DATA_OPTIONS, dataSources, loadForCommand } from '../data-input.js';

export const featuresCommand: Command = {
  name: 'features',
  summary: 'Build the aggregate features and the seed\'s 21-column training table (--out FILE, .csv or .parquet), and/or fit the FeatureMap and write the online feature tables into a run directory (--run RUN).',
  positionals: [],
  options: [
    { name: 'data', type: 'string', required: true, help: 'data directory (event_log, user_catalog, ad_catalog, optional test_event_log)' },
    ...DATA_OPTIONS,
    { name: 'mode', type: 'string', choices: ['point-in-time', 'snapshot'], default: 'point-in-time', help: 'point-in-time: each row sees only earlier events (no label leakage); snapshot: the seed\'s computation over the whole log' },
    { name: 'out', type: 'string', help: 'write the feature table here (.csv or .parquet; an existing file is replaced, a directory never)' },
    { name: 'split', type: 'string', choices: ['train', 'test'], default: 'train', help: 'which log --out exports: the training log or the held-out log' },
    { name: 'run', type: 'string', help: 'write feature_map.json and online/ into this run directory' },
    { name: 'ctr-prior-strength', type: 'number', default: 0, min: 0, help: 'smooth CTR aggregates toward their fallback with this many pseudo-impressions (0 = the seed\'s raw rates)' },
    { name: 'max-id-rows', type: 'int', default: 1 << 22, min: 1, help: 'largest user_id/ad_id embedding table; larger catalogues are hashed into this many rows' },
    { name: 'min-count', type: 'int', default: 1, min: 1, help: 'category values seen fewer times in training go to the OOV row' },
  ],
  async run(args, ctx) {
    const sources = dataSources(args.requireString('data'), args);
    await checkOutputs(args, sources);
    const out = args.string('out');
    const runDir = args.string('run');
    const mode = args.requireString('mode') as FeatureMode;
    const data = await loadForCommand(sources, args, ctx);
    try {
      const started = performance.now();
      const stage = await buildFeatures(data, { mode, ctrPriorStrength: args.number('ctr-prior-strength')! }, { maxIdRows: args.number('max-id-rows')!, minCount: args.number('min-count')! });
      const buildSeconds = (performance.now() - started) / 1000;
      const summary: Record<string, unknown> = { mode, buildSeconds, featureMapHash: stage.featureMap.contentHash, validation: data.report };
      ctx.print(`built ${mode} features for ${data.counts.events} training events in ${buildSeconds.toFixed(1)} s`);
      if (out) {
        const split = args.requireString('split');
        const table = split === 'test' ? stage.tables.test : stage.tables.train;
        if (!table) throw new AdrankError('FILE_NOT_FOUND', 'no held-out log to export', { hint: 'add test_event_log to the data directory or use --split train' });
        summary.export = await exportFeatureTable(data.db, table, out);
        ctx.print(`wrote ${split} feature table (${(summary.export as { rows: number }).rows} rows) to ${out}`);
      }
      if (runDir) {
        summary.run = { dir: runDir, files: Object.keys((await writeFeatureRun(data, stage, runDir)).files) };
        ctx.print(`wrote FeatureMap (${stage.featureMap.contentHash.slice(0, 19)}…) and online tables to ${runDir}`);
      }
      return summary;
    } finally {
      data.db.close();
    }
  },
};

/** Rejects, before any work, outputs that could not be written and an export of a held-out log that is not there. */
async function checkOutputs(args: ParsedArgs, sources: DataSources): Promise<void> {
  const out = args.string('out');
  const runDir = args.string('run');
  if (!out && !runDir) throw new AdrankError('BAD_ARGUMENT', 'nothing to write', { hint: 'give --out FILE, --run RUN, or both' });
  if (out) {
    await checkFeatureTableOutput(out);
    const input = Object.values(sources).find((t) => t && t.path === resolve(out));
    if (input) {
      throw new AdrankError('BAD_ARGUMENT', `--out ${out} is the ${input.table} being read`, {
        location: { field: '--out', value: out, file: input.path },
        hint: 'write the feature table to another file',
      });
    }
    if (args.requireString('split') === 'test' && !sources.test_event_log) {
      throw new AdrankError('FILE_NOT_FOUND', `no held-out log to export: ${resolve(args.requireString('data'))} has no test_event_log`, {
        location: { field: '--split', value: 'test' },
        hint: 'add test_event_log to the data directory or use --split train',
      });
    }
  }
  if (runDir) {
    checkRunTarget(runDir, true); // a run adrank wrote may be rebuilt; anything else at that path is refused
    await checkOutputPath(join(runDir, FEATURE_MAP_FILE), 'file');
  }
}
