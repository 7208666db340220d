// adrank schedule: retrain behind the gate at a regular interval (src/ops/schedule.ts).
import type { Command } from '../command.js';
import { RETRAIN_OPTIONS, retrainSettings } from './retrain.js';

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'Retrain behind the promotion gate every interval (retrain → drift → gate → promote); overlapping and missed runs are handled, a failed run leaves the champion serving.',
  positionals: [],
  options: [
    { name: 'every', type: 'string', default: '24h', help: 'the interval: 24h, 30m, 90s, 1d' },
    { name: 'max-runs', type: 'int', min: 1, help: 'stop after this many runs (default: run until SIGTERM)' },
    ...RETRAIN_OPTIONS,
  ],
  async run(args, ctx) {
    const { runSchedule, parseEvery } = await import('../../ops/schedule.js');
    const everySeconds = parseEvery(args.requireString('every'));
    const retrain = await retrainSettings(args, ctx);
    ctx.print(`retraining ${retrain.registry} from ${args.requireString('data')} every ${args.requireString('every')}`);
    const outcomes = await runSchedule({ everySeconds, maxRuns: args.number('max-runs') ?? Infinity, retrain, log: (line) => ctx.print(line) });
    return { everySeconds, outcomes };
  },
};
