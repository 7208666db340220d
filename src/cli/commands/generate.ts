// adrank generate: write a synthetic world (catalogues, logs, truth) in the seed's schema.
import { defaultDrift } from '../../data/generate/drift.js';
import { driftWorldSpec, worldSpec, PRESETS } from '../../data/generate/presets.js';
import { writeDriftWorld } from '../../data/generate/write-drift-world.js';
import { writeWorld, type DataFormat } from '../../data/generate/write-world.js';
import { createProgress } from '../progress.js';
import type { Command } from '../command.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Generate a synthetic world with a known truth: user and ad catalogues, a training and a held-out event log, and truth/ (true probabilities of every impression, never read by training).',
  positionals: [],
  options: [
    { name: 'preset', type: 'string', choices: Object.keys(PRESETS), default: 'seed', help: 'world size and shape: seed (the blog\'s 10 users × 20 ads), small, medium (1M events), large (10M events)' },
    { name: 'out', type: 'string', required: true, help: 'output directory: new, empty, or a world adrank wrote (it is replaced whole)' },
    { name: 'seed', type: 'int', default: 42, min: 0, help: 'random seed, 0 to 2^53 - 1; the same seed gives the same world' },
    { name: 'format', type: 'string', choices: ['csv', 'parquet'], default: 'csv', help: 'file format' },
    { name: 'users', type: 'int', min: 1, help: 'number of users (small, medium, large; the seed preset\'s catalogues are fixed)' },
    { name: 'ads', type: 'int', min: 1, help: 'number of ads (small, medium, large only)' },
    { name: 'advertisers', type: 'int', min: 1, help: 'number of advertisers (small, medium, large only)' },
    { name: 'events', type: 'int', min: 1, help: 'training events (overrides the preset)' },
    { name: 'test-events', type: 'int', min: 1, help: 'held-out events (default: a tenth of --events)' },
    { name: 'drift-days', type: 'int', min: 1, help: 'write a stream of this many days that changes: preferences shift, ads and advertisers arrive, bids move, a new country appears (event_time in epoch seconds; truth per day)' },
    { name: 'events-per-day', type: 'int', min: 1, default: 20000, help: 'impressions per day of a --drift-days stream' },
    { name: 'drift-strength', type: 'number', min: 0, default: 1, help: 'scale of the continuous changes of a --drift-days stream (0: preferences, bids and ad quality stay; arrivals still happen)' },
  ],
  async run(args, ctx) {
    const spec = worldSpec(args.requireString('preset'), args.number('seed')!, {
      users: args.number('users'),
      ads: args.number('ads'),
      advertisers: args.number('advertisers'),
      events: args.number('events'),
      testEvents: args.number('test-events'),
    });
    const progress = createProgress('generating');
    const started = performance.now();
    const driftDays = args.number('drift-days');
    const format = args.requireString('format') as DataFormat;
    const onProgress = (stage: string, done: number, total: number): void => progress.update(done, total, stage);
    const summary = driftDays === undefined
      ? await writeWorld(spec, args.requireString('out'), format, onProgress)
      : await writeDriftWorld(driftWorldSpec(spec, defaultDrift(driftDays, args.number('events-per-day')!, args.number('drift-strength'))), args.requireString('out'), format, onProgress);
    progress.finish();
    const seconds = (performance.now() - started) / 1000;
    ctx.print(
      [
        `wrote ${summary.preset} world (seed ${summary.seed}) to ${summary.out} in ${seconds.toFixed(1)} s`,
        `  users ${summary.users}, ads ${summary.ads}, advertisers ${summary.advertisers}`,
        `  events ${summary.events} (CTR ${(summary.trainCtr * 100).toFixed(2)}%, CVR given click ${(summary.trainCvr * 100).toFixed(2)}%), ${driftDays === undefined ? `held-out events ${summary.testEvents}` : `over ${driftDays} days, no held-out log`}`,
        `  files: ${summary.files.join(', ')}`,
      ].join('\n'),
    );
    return { ...summary, seconds };
  },
};
