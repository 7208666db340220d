// adrank demo (what `npm start` runs): the whole job end to end on the embedded defaults.
// Generates the seed world and the small world, validates and inspects them.
import { join } from 'node:path';
import { worldSpec } from '../../data/generate/presets.js';
import { writeWorld } from '../../data/generate/write-world.js';
import { loadData } from '../../data/load.js';
import { resolveSources } from '../../data/sources.js';
import { describeData } from '../../data/stats.js';
import { createProgress } from '../progress.js';
import type { Command } from '../command.js';
import { formatIssues, formatStats } from './inspect.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the pipeline end to end on generated worlds (the seed world and the small world). This is what `npm start` runs.',
  positionals: [],
  options: [
    { name: 'out', type: 'string', default: 'runs/demo', help: 'working directory for the generated worlds' },
    { name: 'seed', type: 'int', default: 42, min: 0, help: 'random seed' },
  ],
  async run(args, ctx) {
    const out = args.requireString('out');
    const seed = args.number('seed')!;
    const worlds: Record<string, unknown> = {};
    for (const preset of ['seed', 'small']) {
      const dir = join(out, preset);
      const progress = createProgress(preset);
      const generated = await writeWorld(worldSpec(preset, seed), dir, 'csv', (stage, done, total) => progress.update(done, total, `${preset}: ${stage}`));
      progress.finish();
      const data = await loadData(resolveSources(dir));
      try {
        const stats = await describeData(data, 5);
        ctx.print(`\n== ${preset} world → ${dir}\n${formatStats(stats)}\n${formatIssues(data.report.issues)}`);
        worlds[preset] = { dir, generated, stats };
      } finally {
        data.db.close();
      }
    }
    return { worlds };
  },
};
