// adrank drift: per feature PSI and Jensen–Shannon distance of an event log against the distribution a run was
// trained on, prediction and label drift, per day when the log spans days (src/ops/drift/drift.ts).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { AdrankError } from '../../core/errors.js';
import { formatOfPath, type DataSources, type TableSource } from '../../data/sources.js';
import { DEFAULT_DRIFT, type DriftReport } from '../../ops/drift/drift.js';
import { Registry } from '../../ops/registry/registry.js';
import { loadRun } from '../../pipeline/load-run.js';
import type { Command } from '../command.js';

/** The run to compare against: --run, or the champion of --registry. */
export async function runOf(run: string | undefined, registry: string | undefined): Promise<string> {
  if ((run === undefined) === (registry === undefined)) {
    throw new AdrankError('BAD_ARGUMENT', 'give exactly one of --run RUN and --registry DIR', { location: { field: '--run' }, hint: '--registry compares against the registry\'s champion' });
  }
  if (run !== undefined) return run;
  const champion = await (await Registry.open(registry!)).resolve('champion');
  if (!champion) throw new AdrankError('BAD_ARGUMENT', `the registry ${registry} has no champion yet`, { location: { file: registry }, hint: 'run `adrank retrain` first, or give --run' });
  return champion.dir;
}

/** The user and ad catalogues of a folder (CSV or Parquet). */
export function catalogsIn(dir: string): Pick<DataSources, 'user_catalog' | 'ad_catalog'> {
  const find = (table: 'user_catalog' | 'ad_catalog'): TableSource => {
    const path = ['csv', 'parquet'].map((e) => join(dir, `${table}.${e}`)).find(existsSync);
    if (!path) throw new AdrankError('FILE_NOT_FOUND', `no ${table} in ${dir}`, { location: { file: dir, field: '--catalogs' }, hint: `the folder needs ${table}.csv or ${table}.parquet` });
    return { table, path, format: formatOfPath(path) };
  };
  return { user_catalog: find('user_catalog'), ad_catalog: find('ad_catalog') };
}

export function formatDrift(r: DriftReport): string {
  const pad = Math.max(...r.features.map((f) => f.feature.length));
  const lines = [
    `drift of ${r.events.file} (${r.events.rows} events${r.events.sampled < r.events.rows ? `, ${r.events.sampled} sampled` : ''}) against ${r.run} (${r.reference.rows} training events)`,
    ...r.features.map((f) => `  ${f.feature.padEnd(pad)}  PSI ${f.psi.toFixed(4)}  JS ${f.jensenShannon.toFixed(4)}  ${f.status.toUpperCase().padEnd(5)}${f.oovShare !== undefined ? `  OOV ${(100 * f.oovShare).toFixed(2)}% (training ${(100 * f.referenceOovShare!).toFixed(2)}%)` : ''}`),
    `  predictions: mean pCTR ${r.overall.meanPctr.toFixed(5)}, observed CTR ${r.overall.observedCtr.toFixed(5)}, Σp/Σy ${r.overall.calibrationRatio.toFixed(3)}; label PSI ${r.overall.labelPsi.toFixed(4)} (training CTR ${r.reference.ctr.toFixed(5)})`,
    ...r.days.map((d) => `  ${d.day}: ${d.events} events, CTR ${d.observedCtr.toFixed(5)}, mean pCTR ${d.meanPctr.toFixed(5)}, Σp/Σy ${d.calibrationRatio.toFixed(3)}, ${d.features.filter((f) => f.status === 'alert').length} alerts, ${d.features.filter((f) => f.status === 'warn').length} warnings`),
    r.alerts.length ? `ALERT: ${r.alerts.join('; ')}` : r.warnings.length ? `warn: ${r.warnings.join('; ')}` : 'no drift above the warning level',
  ];
  return lines.join('\n');
}

export const driftCommand: Command = {
  name: 'drift',
  summary: 'Drift of an event log against what a run was trained on: per feature PSI, Jensen–Shannon distance and OOV share, prediction and label drift, per day when the log spans days.',
  positionals: [],
  options: [
    { name: 'run', type: 'string', help: 'the run directory to compare against' },
    { name: 'registry', type: 'string', help: 'or: compare against this registry\'s champion' },
    { name: 'events', type: 'string', required: true, help: 'the event log (CSV or Parquet, the event log schema, optional event_time)' },
    { name: 'catalogs', type: 'string', help: 'folder of the current user_catalog and ad_catalog (default: the events file\'s folder when it has them, else the run\'s)' },
    { name: 'out', type: 'string', help: 'also write the report as JSON to this file' },
    { name: 'report', type: 'string', help: 'also write it as a self-contained HTML report with charts' },
    { name: 'warn', type: 'number', default: DEFAULT_DRIFT.warn, min: 0, help: 'PSI from which a feature is "warn"' },
    { name: 'alert', type: 'number', default: DEFAULT_DRIFT.alert, min: 0, help: 'PSI from which a feature is "alert"' },
    { name: 'bins', type: 'int', default: DEFAULT_DRIFT.bins, min: 2, help: 'quantile bins of a numerical feature' },
    { name: 'max-events', type: 'int', default: DEFAULT_DRIFT.maxEvents, min: 1, help: 'events sampled from a larger log' },
  ],
  async run(args, ctx) {
    const warn = args.number('warn')!;
    const alert = args.number('alert')!;
    if (warn > alert) throw new AdrankError('BAD_ARGUMENT', `--warn ${warn} is above --alert ${alert}`, { location: { field: '--warn' }, hint: 'the usual levels are 0.1 and 0.25' });
    const eventsPath = args.requireString('events');
    if (!existsSync(eventsPath)) throw new AdrankError('FILE_NOT_FOUND', `no events file at ${eventsPath}`, { location: { file: eventsPath, field: '--events' }, hint: 'give a CSV or Parquet event log' });
    const catalogDir = args.string('catalogs') ?? (['csv', 'parquet'].some((e) => existsSync(join(dirname(eventsPath), `user_catalog.${e}`))) ? dirname(eventsPath) : undefined);
    const catalogs = catalogDir === undefined ? undefined : catalogsIn(catalogDir);
    const { computeDrift } = await import('../../ops/drift/drift.js');
    const { driftReport } = await import('../../ops/report.js');
    const { writeReport } = await import('../../eval/report.js');
    const run = await loadRun(await runOf(args.string('run'), args.string('registry')));
    const report = await computeDrift(run, { table: 'test_event_log', path: eventsPath, format: formatOfPath(eventsPath) }, {
      ...DEFAULT_DRIFT, warn, alert, bins: args.number('bins')!, maxEvents: args.number('max-events')!, catalogs,
    });
    const out = args.string('out');
    if (out) await writeFileAtomic(out, JSON.stringify(report, null, 1) + '\n');
    const html = args.string('report');
    if (html) await writeReport(html, driftReport(report));
    ctx.print(formatDrift(report));
    return report;
  },
};
