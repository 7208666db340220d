// adrank evaluate: a trained run measured on another data directory's held-out log (see src/pipeline/evaluate-run.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutputPath, writeFileAtomic } from '../../core/atomic-write.js';
import { evaluateOnData, type RunEvaluation, type TaskMetrics } from '../../pipeline/evaluate-run.js';
import { loadRun } from '../../pipeline/load-run.js';
import { openRanker } from '../../serve/open.js';
import type { Command } from '../command.js';
import { dataSources, DATA_OPTIONS, loadForCommand } from '../data-input.js';

const f4 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(4));

function formatTask(name: string, t: TaskMetrics): string[] {
  const line = (label: string, m: TaskMetrics['model']): string =>
    `  ${label.padEnd(30)} ${String(m.rows).padStart(8)}  ${f4(m.auc)}  ${f4(m.logLoss)}    ${f4(m.normalizedEntropy)}  ${f4(m.ece)}  ${Number.isFinite(m.calibrationRatio) ? m.calibrationRatio.toFixed(3) : '–    '}  ${f4(m.gauc)}`;
  const lines = [`\n${name.padEnd(32)}     rows  AUC     log loss  NE      ECE     Σp/Σy  GAUC`, line('model (calibrated)', t.model), line('model (raw)', t.raw)];
  if (t.oracle) lines.push(line('oracle (true probabilities)', t.oracle));
  for (const s of t.segments) lines.push(line(`  ${s.segment}`, s.model));
  return lines;
}

export function formatEvaluation(e: RunEvaluation): string {
  const lines = [`\nscored ${e.events} events of ${e.table} (${e.newUsers} of users without training events, ${e.unknownUsers} of them not in the user catalogue; ${e.unknownAds} of ads the run does not know: cold path)`];
  lines.push(...formatTask('CTR', e.ctr), ...formatTask('CVR (clicked rows)', e.cvr));
  const r = e.retrieval;
  lines.push(`\nretrieval, ${r.clicks} clicked events${r.sampledFrom > r.clicks ? ` (sampled from ${r.sampledFrom})` : ''}: two-tower over the whole catalogue ${r.k.map((k, i) => `recall@${k} ${f4(r.recall[i])}`).join(', ')}`);
  lines.push(`  through the serving index (the run's shortlist): ${r.k.map((k, i) => `recall@${k} ${f4(r.servedRecall[i])}`).join(', ')}`);
  if (e.coldUsers) lines.push(`users without training events: ${e.coldUsers.events} events, observed CTR ${(e.coldUsers.observedCtr * 100).toFixed(3)}%, mean calibrated pCTR ${(e.coldUsers.meanCalibratedPctr * 100).toFixed(3)}%`);
  return lines.join('\n');
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: "Measure a trained run on another data directory's held-out log (its event log when it has none): CTR and CVR metrics by segment, recall@k through the run's index, the oracle on a generated world.",
  positionals: [],
  options: [
    { name: 'run', type: 'string', required: true, help: 'the run directory `adrank train` wrote' },
    { name: 'data', type: 'string', required: true, help: 'data directory (event_log, user_catalog, ad_catalog, optional test_event_log)' },
    { name: 'out', type: 'string', help: 'also write the metrics as JSON to this file' },
    { name: 'max-clicks', type: 'int', min: 1, default: 5000, help: 'clicked events sampled for recall@k' },
    { name: 'seed', type: 'int', min: 0, default: 7, help: 'seed of the recall sample' },
    ...DATA_OPTIONS,
  ],
  async run(args, ctx) {
    const out = args.string('out');
    if (out) await checkOutputPath(out, 'file');
    const runDir = args.requireString('run');
    const run = await loadRun(runDir);
    const dataDir = args.requireString('data');
    const data = await loadForCommand(dataSources(dataDir, args), args, ctx);
    const ranker = await openRanker(runDir, { store: { kind: 'memory' }, warmup: 0 });
    let evaluation: RunEvaluation;
    try {
      evaluation = await evaluateOnData(run, (request, k) => ranker.retrieve(request, k), data, {
        worldDir: existsSync(join(dataDir, 'truth', 'world.json')) ? dataDir : undefined,
        maxClicks: args.number('max-clicks')!, seed: args.number('seed')!,
      });
    } finally {
      await ranker.close();
      data.db.close();
    }
    if (out) await writeFileAtomic(out, JSON.stringify(evaluation, null, 2));
    ctx.print(formatEvaluation(evaluation));
    return evaluation;
  },
};
