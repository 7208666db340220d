// Retraining behind the promotion gate, under the registry's lock: cut the latest window of the log (its last
// days held out), train a challenger on it into the registry, measure the drift of the held-out days against the
// champion, score challenger and champion on the same held-out rows, and promote only when the gate passes; a refused challenger is kept under the `challenger` alias with the
// reasons. The champion's alias moves only at the very end, by one atomic rename, so a crash anywhere before it
// leaves the champion serving; the partial run is a hidden folder no reader lists.
import { writeFileAtomic } from '../core/atomic-write.js';
import { loadData } from '../data/load.js';
import { resolveSources, type DataSources } from '../data/sources.js';
import { loadRun, type LoadedRun } from '../pipeline/load-run.js';
import type { TableSource } from '../data/sources.js';
import { computeDrift, DEFAULT_DRIFT } from './drift/drift.js';
import type { TrainConfig } from '../pipeline/config.js';
import { trainRun, type TrainProgress } from '../pipeline/train-run.js';
import { decideGate, type GateConfig, type GateDecision, type SliceMetrics } from './gate.js';
import { withLock } from './registry/lock.js';
import { newRunId, Registry } from './registry/registry.js';
import { sliceMetrics } from './slice-metrics.js';
import { isoDay, planWindow, writeWindow, type WindowPlan } from './window.js';

export interface RetrainOptions {
  data: DataSources;
  registry: string;
  windowDays: number;
  heldOutDays: number;
  config: TrainConfig;
  gate: GateConfig;
  progress: TrainProgress;
  log: (line: string) => void;
  /** measure the drift of the held-out days against the champion (the challenger when there is none) */
  drift: boolean;
}

export interface RetrainRecord {
  format: 'adrank-retrain';
  version: 1;
  id: string;
  createdAt: string;
  window: WindowPlan & { from: string; to: string; heldOutFromDate: string };
  data: string;
  config: string;
  champion: { id: string; metrics: SliceMetrics } | null;
  challenger: { metrics: SliceMetrics };
  /** drift of the held-out days against the run named, before the gate */
  drift: { against: string; alerts: string[]; warnings: string[]; features: { feature: string; psi: number; status: string }[] } | null;
  gate: GateDecision;
  promoted: boolean;
  seconds: number;
}

async function driftSummary(run: LoadedRun, against: string, slice: TableSource, catalogs: Pick<DataSources, 'user_catalog' | 'ad_catalog'>): Promise<RetrainRecord['drift']> {
  const report = await computeDrift(run, slice, { ...DEFAULT_DRIFT, catalogs });
  return { against, alerts: report.alerts, warnings: report.warnings, features: report.features.map((f) => ({ feature: f.feature, psi: f.psi, status: f.status })) };
}

/** Runs one retrain; returns its record (also written to REGISTRY/records/ID.json). */
export async function retrain(options: RetrainOptions): Promise<RetrainRecord> {
  const started = performance.now();
  const registry = await Registry.open(options.registry, { create: true });
  return withLock(registry.lockPath, 'adrank retrain', async (lock) => {
    const id = newRunId();
    await registry.resolve('champion'); // a corrupt alias file or a champion that is gone fails now, before any work
    const source = await loadData(options.data);
    let plan: WindowPlan;
    try {
      plan = await planWindow(source, options.windowDays, options.heldOutDays);
      options.log(`window ${isoDay(plan.fromDay)} … ${isoDay(plan.toDay)}: ${plan.trainEvents} training events, ${plan.heldOutEvents} held out from ${isoDay(plan.heldOutFrom)}`);
      await writeWindow(source, plan, registry.dataDir(id));
    } finally {
      source.db.close();
    }
    const windowSources = resolveSources(registry.dataDir(id));
    await trainRun({ sources: windowSources, out: registry.runDir(id), config: options.config, onBadRow: 'fail', replace: false, progress: options.progress, screenshot: false });
    options.log(`challenger ${id} trained`);

    const catalogs = { user_catalog: windowSources.user_catalog, ad_catalog: windowSources.ad_catalog };
    const slice = windowSources.test_event_log!;
    const challengerMetrics = await sliceMetrics(await loadRun(registry.runDir(id)), slice, catalogs);
    const current = await registry.resolve('champion');
    const championRun = current ? await loadRun(current.dir) : null;
    const championMetrics = championRun ? await sliceMetrics(championRun, slice, catalogs) : null;
    const drift = options.drift ? await driftSummary(championRun ?? (await loadRun(registry.runDir(id))), current?.id ?? id, slice, catalogs) : null;
    if (drift) options.log(drift.alerts.length ? `drift of the held-out days against ${drift.against}: ALERT ${drift.alerts.join('; ')}` : `drift of the held-out days against ${drift.against}: ${drift.warnings.length ? `warn ${drift.warnings.join('; ')}` : 'nothing above the warning level'}`);
    const gate = decideGate(options.gate, challengerMetrics, championMetrics);
    const reason = gate.passed ? `passed the gate on ${plan.heldOutEvents} held-out events` : `refused: ${gate.failures.join('; ')}`;
    const record: RetrainRecord = {
      format: 'adrank-retrain', version: 1, id, createdAt: new Date().toISOString(),
      window: { ...plan, from: isoDay(plan.fromDay), to: isoDay(plan.toDay), heldOutFromDate: isoDay(plan.heldOutFrom) },
      data: options.data.event_log.path, config: options.config.name,
      champion: current && championMetrics ? { id: current.id, metrics: championMetrics } : null,
      challenger: { metrics: challengerMetrics }, drift, gate, promoted: gate.passed, seconds: (performance.now() - started) / 1000,
    };
    // the alias moves first: a record never says "promoted" about a promotion that failed
    if (gate.passed) await registry.promote(id, reason, lock);
    else await registry.setChallenger(id, reason, lock);
    await writeFileAtomic(registry.recordPath(id), JSON.stringify(record, null, 1) + '\n');
    options.log(gate.passed ? `promoted ${id} to champion` : `kept ${current?.id ?? 'no champion'} as champion; ${id} is the challenger: ${gate.failures.join('; ')}`);
    return record;
  });
}
