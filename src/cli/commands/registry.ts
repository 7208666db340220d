// adrank registry: the runs of a registry and its aliases — list, show one run, promote a run to champion, roll
// the champion back to the one it replaced (src/ops/registry/registry.ts).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdrankError } from '../../core/errors.js';
import { Registry } from '../../ops/registry/registry.js';
import type { RetrainRecord } from '../../ops/retrain.js';
import type { Command } from '../command.js';

const ACTIONS = ['list', 'show', 'promote', 'rollback'] as const;

async function readJsonIfAny<T>(path: string): Promise<T | null> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as T) : null;
}

export const registryCommand: Command = {
  name: 'registry',
  summary: 'A registry of immutable runs with champion and challenger aliases: list the runs, show one, promote a run to champion, roll the champion back.',
  positionals: [
    { name: 'action', help: `one of ${ACTIONS.join(', ')}`, required: true },
    { name: 'run', help: 'the run id (show, promote)', required: false },
  ],
  options: [
    { name: 'registry', type: 'string', required: true, help: 'the registry folder' },
    { name: 'reason', type: 'string', default: 'by hand', help: 'why (kept in the aliases\' history)' },
  ],
  async run(args, ctx) {
    const [action, run] = args.positionals;
    if (!(ACTIONS as readonly string[]).includes(action)) {
      throw new AdrankError('BAD_ARGUMENT', `unknown registry action "${action}"`, { location: { field: 'action', value: action }, hint: `use one of ${ACTIONS.join(', ')}` });
    }
    const needsRun = action === 'show' || action === 'promote';
    if (needsRun !== (run !== undefined)) {
      throw new AdrankError('BAD_ARGUMENT', needsRun ? `registry ${action} needs a run id` : `registry ${action} takes no run id`, { location: { field: 'run', value: run }, hint: 'see `adrank registry list`' });
    }
    const registry = await Registry.open(args.requireString('registry'));
    const reason = args.requireString('reason');
    if (action === 'list') {
      const aliases = await registry.aliases();
      const runs = await registry.list();
      ctx.print(runs.length ? runs.map((r) => `${r.id}  ${r.createdAt}${r.aliases.length ? `  [${r.aliases.join(', ')}]` : ''}`).join('\n') : 'no runs yet');
      return { registry: registry.dir, champion: aliases.champion, challenger: aliases.challenger, runs };
    }
    if (action === 'show') {
      const manifest = await registry.checkRun(run!);
      const record = await readJsonIfAny<RetrainRecord>(registry.recordPath(run!));
      const info = await readJsonIfAny<{ summary: unknown; config: { name: string } }>(join(registry.runDir(run!), 'run.json'));
      const aliases = await registry.aliases();
      const tags = (['champion', 'challenger'] as const).filter((a) => aliases[a] === run);
      ctx.print([
        `${run}${tags.length ? ` [${tags.join(', ')}]` : ''} — created ${manifest.createdAt}, config ${info?.config.name ?? '?'}, ${Object.keys(manifest.files).length} files`,
        ...(record ? [`  window ${record.window.from} … ${record.window.to}, held out from ${record.window.heldOutFromDate}; gate ${record.gate.passed ? 'passed' : 'refused'}`, ...record.gate.failures.map((f) => `    ${f}`)] : []),
      ].join('\n'));
      return { id: run, dir: registry.runDir(run!), aliases: tags, manifest: { createdAt: manifest.createdAt, featureMapHash: manifest.featureMapHash }, record, summary: info?.summary ?? null };
    }
    const aliases = action === 'promote' ? await registry.promote(run!, reason) : await registry.rollback(reason);
    const move = aliases.history[aliases.history.length - 1];
    ctx.print(`champion: ${move.from ?? 'none'} → ${move.to}`);
    return { champion: aliases.champion, challenger: aliases.challenger, move };
  },
};
