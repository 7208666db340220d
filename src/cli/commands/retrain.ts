// adrank retrain: train a challenger on the latest window of the log into a registry and promote it only when
// the gate passes against the champion on the same held-out slice (src/ops/retrain.ts).
import { readFile } from 'node:fs/promises';
import { AdrankError } from '../../core/errors.js';
import { DEFAULT_GATE, parseGateConfig, type GateConfig } from '../../ops/gate.js';
import { lightTrainConfig } from '../../ops/light-config.js';
import { resolveTrainConfig } from '../../pipeline/config.js';
import { dataSources } from '../data-input.js';
import type { Command } from '../command.js';
import type { OptionSpec, ParsedArgs } from '../args.js';
import type { CommandContext } from '../command.js';

export const RETRAIN_OPTIONS: readonly OptionSpec[] = [
  { name: 'data', type: 'string', required: true, help: 'data directory: the whole log (with event_time) and the current catalogues' },
  { name: 'registry', type: 'string', required: true, help: 'the registry folder (created when new or empty)' },
  { name: 'window-days', type: 'int', default: 7, min: 2, help: 'train on the last N days of the log …' },
  { name: 'held-out-days', type: 'int', default: 1, min: 1, help: '… of which the last ones are held out: calibration on their first half, the gate on their second' },
  { name: 'preset', type: 'string', choices: ['light', 'default'], default: 'light', help: 'light: the default with 3 retrieval epochs and no baselines (seconds per day of data); default: adrank train\'s' },
  { name: 'config', type: 'string', help: 'a JSON train config laid over the preset, key by key' },
  { name: 'gate', type: 'string', help: `a JSON gate config laid over the default ${JSON.stringify(DEFAULT_GATE)}` },
  { name: 'format', type: 'string', choices: ['csv', 'parquet'], help: 'read the tables in this format (when the directory holds both)' },
  { name: 'no-drift', type: 'boolean', help: 'skip the drift report of the held-out days (kept in the retrain record)' },
];

export async function readGate(path: string | undefined): Promise<GateConfig> {
  if (path === undefined) return DEFAULT_GATE;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AdrankError(missing ? 'FILE_NOT_FOUND' : 'BAD_CONFIG', missing ? `no gate file at ${path}` : `${path} is not valid JSON: ${(e as Error).message}`, { location: { file: path, field: '--gate' }, hint: 'give a JSON file such as {"ctr": {"aucMaxDrop": 0.005}}' });
  }
  try {
    return parseGateConfig(raw);
  } catch (e) {
    if (e instanceof AdrankError) e.location.file = path;
    throw e;
  }
}

/** Everything a retrain needs from the command line, checked before any work. */
export async function retrainSettings(args: ParsedArgs, ctx: CommandContext) {
  const config = args.requireString('preset') === 'light' ? await lightTrainConfig(args.string('config')) : await resolveTrainConfig('default', args.string('config'));
  return {
    data: dataSources(args.requireString('data'), args), registry: args.requireString('registry'),
    windowDays: args.number('window-days')!, heldOutDays: args.number('held-out-days')!, config, gate: await readGate(args.string('gate')), drift: !args.flag('no-drift'),
    progress: { stage: (name: string, seconds: number, note?: string) => ctx.print(`  [${name}] ${seconds.toFixed(1)} s${note ? ` — ${note}` : ''}`), epoch: () => {} },
    log: (line: string) => ctx.print(line),
  };
}

export const retrainCommand: Command = {
  name: 'retrain',
  summary: 'Train a challenger on the latest window of the log into a registry, evaluate it and the champion on the same held-out slice, and promote it only if the gate passes.',
  positionals: [],
  options: RETRAIN_OPTIONS,
  async run(args, ctx) {
    const { retrain } = await import('../../ops/retrain.js');
    const record = await retrain(await retrainSettings(args, ctx));
    for (const c of record.gate.checks) ctx.print(`  ${c.passed ? 'pass' : 'FAIL'} ${c.name}: challenger ${c.challenger.toFixed(4)}${c.champion === null ? '' : `, champion ${c.champion.toFixed(4)}`} (${c.rule})`);
    return record;
  },
};
