// adrank simulate: the closed loop on a drifting world — a frozen model against one retrained every 24 h, or an A/B
// test of the two with off-policy estimates — with simulation.json and report.html (src/ops/sim/loop.ts).
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOutputPath } from '../../core/atomic-write.js';
import { AdrankError } from '../../core/errors.js';
import { lightTrainConfig } from '../../ops/light-config.js';
import { resolveTrainConfig } from '../../pipeline/config.js';
import { SIMULATION_GATE } from '../../ops/gate.js';
import { readGate } from './retrain.js';
import type { Command } from '../command.js';

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Simulate the serving loop on a drifting world: requests ranked by the model with logged exploration, outcomes from the truth, impressions as the next day\'s training log; retrained every 24 h against frozen, or an A/B test with off-policy estimates.',
  positionals: [],
  options: [
    { name: 'world', type: 'string', required: true, help: 'a world made by `adrank generate --drift-days N` (day 0 trains the first run)' },
    { name: 'days', type: 'int', required: true, min: 1, help: 'days to simulate after day 0 (at most the world\'s days − 1)' },
    { name: 'out', type: 'string', required: true, help: 'output folder: runs/, data/, simulation.json, report.html' },
    { name: 'mode', type: 'string', choices: ['compare', 'ab'], default: 'compare', help: 'compare: both policies answer every request; ab: users split by hash between them' },
    { name: 'requests-per-day', type: 'int', default: 20000, min: 1, help: 'requests each day' },
    { name: 'initial-events', type: 'int', default: 100000, min: 1, help: 'impressions of the world\'s logging policy on day 0 that train the first run' },
    { name: 'explore', type: 'number', default: 0.1, min: 0, help: 'exploration share ε: the top ad has probability 1 − ε + ε/M, each other of the top M ε/M' },
    { name: 'top-m', type: 'int', default: 10, min: 1, help: 'M: the top ads the exploration favours' },
    { name: 'explore-uniform', type: 'number', default: 0.5, min: 0, help: 'the share of ε spread over every retrieved candidate rather than the top M' },
    { name: 'keep-history', type: 'boolean', help: 'keep day 0\'s history in every training window (with --no-gate)' },
    { name: 'window-days', type: 'int', default: 3, min: 1, help: 'the retrained model learns from the last N days of its log (with the gate, the last of them is held out: at least 2)' },
    { name: 'candidates', type: 'int', default: 300, min: 1, help: 'ads the index shortlists per request' },
    { name: 'preset', type: 'string', choices: ['light', 'default'], default: 'light', help: 'training config of the daily runs' },
    { name: 'config', type: 'string', help: 'a JSON train config laid over the preset' },
    { name: 'seed', type: 'int', default: 7, min: 0, help: 'seed of the requests, exploration and outcomes' },
    { name: 'gate', type: 'string', help: 'a JSON gate config for the daily retrain, laid over the default gate (default: the simulation\'s gate, see README)' },
    { name: 'no-gate', type: 'boolean', help: 'serve every day\'s new run without the gate' },
  ],
  async run(args, ctx) {
    // the loop and its dependencies load only when the command runs, so other commands start as fast as before
    const { loadDriftingWorld } = await import('../../data/generate/write-drift-world.js');
    const { simulate } = await import('../../ops/sim/loop.js');
    const { simulationReport } = await import('../../ops/report.js');
    const { writeReport } = await import('../../eval/report.js');
    const world = args.requireString('world');
    const days = args.number('days')!;
    const epsilon = args.number('explore')!;
    if (epsilon > 1) throw new AdrankError('BAD_ARGUMENT', `--explore ${epsilon} is not a share`, { location: { field: '--explore', value: String(epsilon) }, hint: 'give a number from 0 to 1, e.g. 0.1' });
    const drifting = await loadDriftingWorld(world);
    if (days > drifting.drift.days - 1) {
      throw new AdrankError('BAD_ARGUMENT', `the world has ${drifting.drift.days} days: at most ${drifting.drift.days - 1} can be simulated after day 0`, { location: { field: '--days', value: String(days) }, hint: 'generate a longer world with --drift-days' });
    }
    const gated = !args.flag('no-gate');
    if (gated && args.number('window-days')! < 2) {
      throw new AdrankError('BAD_ARGUMENT', `--window-days ${args.number('window-days')} leaves no day to train on: the gated retrain holds the window's last day out`, { location: { field: '--window-days', value: String(args.number('window-days')) }, hint: 'give --window-days 2 or more, or --no-gate' });
    }
    if (gated && args.flag('keep-history')) {
      throw new AdrankError('BAD_ARGUMENT', '--keep-history applies to the ungated retrain only', { location: { field: '--keep-history' }, hint: 'add --no-gate, or drop --keep-history' });
    }
    const out = args.requireString('out');
    await checkOutputPath(out, 'directory');
    if (existsSync(out) && readdirSync(out).length > 0) {
      throw new AdrankError('BAD_ARGUMENT', `${out} is not empty`, { location: { file: out, field: '--out' }, hint: 'a simulation writes its runs, registry and logs into a new or empty folder' });
    }
    const config = args.requireString('preset') === 'light' ? await lightTrainConfig(args.string('config')) : await resolveTrainConfig('default', args.string('config'));
    await mkdir(out, { recursive: true });
    const result = await simulate({
      world, out, days, requestsPerDay: args.number('requests-per-day')!, initialEvents: args.number('initial-events')!, exploration: { epsilon, topM: args.number('top-m')!, uniform: Math.min(1, args.number('explore-uniform')!) }, keepHistory: args.flag('keep-history'), gate: !gated ? null : args.string('gate') ? await readGate(args.string('gate')) : SIMULATION_GATE, mode: args.requireString('mode') as 'compare' | 'ab',
      windowDays: args.number('window-days')!, candidates: args.number('candidates')!, config, seed: args.number('seed')!,
      progress: { stage: () => {}, epoch: () => {} }, log: (line) => ctx.print(line),
    });
    await writeFile(join(out, 'simulation.json'), JSON.stringify(result, null, 1) + '\n');
    await writeReport(join(out, 'report.html'), simulationReport(result));
    if (result.ab) {
      const f = (x: { mean: number; lower: number; upper: number }): string => `${x.mean.toFixed(5)} [${x.lower.toFixed(5)}, ${x.upper.toFixed(5)}]`;
      for (const a of result.ab.arms) ctx.print(`${a.name} arm: ${f(a)} revenue per request (95%, clustered by user)`);
      ctx.print(`lift retrained − frozen: ${f(result.ab.lift)}`);
    }
    for (const c of result.offPolicy) {
      ctx.print(`${c.target} estimated from the ${c.logger} arm's ${c.rows} impressions (support ${c.support.toFixed(3)}): truth ${c.truth.toFixed(5)}, arm measured ${c.measured.mean.toFixed(5)} [${c.measured.lower.toFixed(5)}, ${c.measured.upper.toFixed(5)}]`);
      for (const e of c.estimates) ctx.print(`  ${e.name.padEnd(5)} ${e.value.toFixed(5)} [${e.lower.toFixed(5)}, ${e.upper.toFixed(5)}]${e.coversTruth ? '' : ' — misses the truth'}`);
    }
    ctx.print(`wrote ${join(out, 'simulation.json')} and ${join(out, 'report.html')} (${result.seconds.toFixed(1)} s)`);
    return result;
  },
};
