// adrank demo (what `npm start` runs): the main job end to end on generated worlds, with nothing to install.
//   1. the seed's toy world (10 users, 20 ads) trained with the seed preset: the blog's own tables;
//   2. a realistic small world (10k users, 2k ads, 200k events) trained with adrank's default preset: the summary
//      table of the models against their baselines and the oracle, and the report;
//   3. the request path on the seed run: the blog's users 1, 4 and 7 ranked as `adrank serve` would rank them.
import { join } from 'node:path';
import { worldSpec } from '../../data/generate/presets.js';
import { writeWorld } from '../../data/generate/write-world.js';
import { resolveSources } from '../../data/sources.js';
import { resolveTrainConfig, type PresetName } from '../../pipeline/config.js';
import { trainRun, type TrainSummary } from '../../pipeline/train-run.js';
import type { Command, CommandContext } from '../command.js';
import { formatTrainSummary } from '../format-metrics.js';
import { createProgress } from '../progress.js';
import { openRanker } from '../../serve/open.js';
import type { RankResponse } from '../../serve/ranker.js';

/** The blog's users 1, 4 and 7, each in one context, ranked through the run's request path. */
async function rankSamples(ctx: CommandContext, runDir: string): Promise<Record<number, RankResponse>> {
  const ranker = await openRanker(runDir, { store: { kind: 'memory' }, candidates: 1000 });
  const answers: Record<number, RankResponse> = {};
  try {
    ctx.print(`\n== ranking sample requests on ${runDir} (user tower → index → CTR × CVR → bid × pCTR × pCVR), as \`adrank serve\` answers them`);
    for (const [userId, device, location, hour] of [[1, 'mobile', 'US', 20], [4, 'desktop', 'US', 9], [7, 'tablet', 'EU', 13]] as const) {
      const response = await ranker.rank({ userId, device, location, weekday: 3, month: 6, hour, k: 5 });
      answers[userId] = response;
      ctx.print(`user ${userId} (${device}, ${location}, ${hour}:00): ${response.ads.map((a) => `ad ${a.adId} ${a.category} score ${a.score.toFixed(4)} (pCTR ${a.pctr.toFixed(3)}, pCVR ${a.pcvr.toFixed(3)}, bid ${a.bid})`).join('; ')}`);
    }
  } finally {
    await ranker.close();
  }
  return answers;
}

async function trainWorld(ctx: CommandContext, out: string, world: string, preset: PresetName, seed: number, screenshot: boolean): Promise<TrainSummary> {
  const data = join(out, world, 'data');
  const progress = createProgress(world);
  await writeWorld(worldSpec(world, seed), data, 'csv', (stage, done, total) => progress.update(done, total, `${world}: ${stage}`));
  progress.finish();
  ctx.print(`\n== the ${world} world (${data}), trained with the ${preset} preset`);
  const config = await resolveTrainConfig(preset);
  return trainRun({
    sources: resolveSources(data), out: join(out, world, 'run'), config, onBadRow: 'fail', replace: true, screenshot, worldDir: data,
    progress: { stage: (name, seconds, note) => ctx.print(`[${name}] ${seconds.toFixed(1)} s${note ? ` — ${note}` : ''}`), epoch: () => {} },
  });
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the main job end to end on generated worlds: the seed world with the seed preset (the blog\'s tables), then a small realistic world with the default preset (models against baselines and the oracle, and the report). This is what `npm start` runs.',
  positionals: [],
  options: [
    { name: 'out', type: 'string', default: 'runs/demo', help: 'working directory for the generated worlds and their runs (rebuilt each time)' },
    { name: 'seed', type: 'int', default: 42, min: 0, help: 'random seed of the worlds' },
    { name: 'no-screenshot', type: 'boolean', help: 'do not render report.png in Chromium' },
  ],
  async run(args, ctx) {
    const out = args.requireString('out');
    const seed = args.number('seed')!;
    const screenshot = !args.flag('no-screenshot');
    const seedRun = await trainWorld(ctx, out, 'seed', 'seed', seed, screenshot);
    ctx.print(formatTrainSummary(seedRun));
    const smallRun = await trainWorld(ctx, out, 'small', 'default', seed, screenshot);
    ctx.print(formatTrainSummary(smallRun));
    const ranked = await rankSamples(ctx, seedRun.out);
    return { seed: seedRun, small: smallRun, ranked };
  },
};
