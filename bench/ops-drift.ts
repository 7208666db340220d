// npm run bench:ops-drift — drift monitoring at scale: a drifting world of 10 days × 1M events (the medium preset's
// 100k users and 20k ads), a run trained on a random 200k of day 0's events, and `computeDrift` of the whole 10M-event log
// against it (sampled to 500k events). Prints the time, peak memory and what alerted.
// Usage: node dist/bench/ops-drift.js [days=10] [events per day=1000000]
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db, sqlString } from '../src/data/duckdb.js';
import { defaultDrift } from '../src/data/generate/drift.js';
import { driftWorldSpec, worldSpec } from '../src/data/generate/presets.js';
import { writeDriftWorld } from '../src/data/generate/write-drift-world.js';
import { resolveSources } from '../src/data/sources.js';
import { computeDrift, DEFAULT_DRIFT } from '../src/ops/drift/drift.js';
import { lightTrainConfig } from '../src/ops/light-config.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { trainRun } from '../src/pipeline/train-run.js';
import { peakRssMb, report, round, timed } from './measure.js';

const days = Number(process.argv[2] ?? 10);
const perDay = Number(process.argv[3] ?? 1_000_000);
const world = join(tmpdir(), `adrank-bench-drift-medium-${days}x${perDay}`);
if (!existsSync(join(world, 'truth', 'world.json'))) {
  const { seconds } = await timed(() => writeDriftWorld(driftWorldSpec(worldSpec('medium', 42), defaultDrift(days, perDay)), world, 'csv'));
  report({ bench: 'ops-drift-generate', events: days * perDay, seconds: round(seconds, 1) });
}
const data = join(tmpdir(), `adrank-bench-drift-medium-day0`);
const runDir = join(tmpdir(), `adrank-bench-drift-medium-day0-run`);
if (!existsSync(join(runDir, 'manifest.json'))) {
  await mkdir(data, { recursive: true });
  const db = await Db.open();
  for (const t of ['user_catalog', 'ad_catalog']) await db.run(`COPY (SELECT * FROM read_csv(${sqlString(join(world, `${t}.csv`))}, header=true)) TO ${sqlString(join(data, `${t}.csv`))} (HEADER)`);
  // a random 200k of day 0's events (the log is in time order): every hour of the day, as a day's training log has
  await db.run(`COPY (SELECT * FROM (SELECT * FROM (SELECT * FROM read_csv(${sqlString(join(world, 'event_log.csv'))}, header=true) LIMIT ${perDay}) USING SAMPLE 200000 ROWS (reservoir, 42)) ORDER BY event_time) TO ${sqlString(join(data, 'event_log.csv'))} (HEADER)`);
  db.close();
  await trainRun({ sources: resolveSources(data), out: runDir, config: await lightTrainConfig(), onBadRow: 'fail', replace: true, screenshot: false, progress: { stage: () => {}, epoch: () => {} } });
}
const run = await loadRun(runDir);
const { result, seconds } = await timed(() => computeDrift(run, { table: 'test_event_log', path: join(world, 'event_log.csv'), format: 'csv' }, { ...DEFAULT_DRIFT, catalogs: { user_catalog: { table: 'user_catalog', path: join(world, 'user_catalog.csv'), format: 'csv' }, ad_catalog: { table: 'ad_catalog', path: join(world, 'ad_catalog.csv'), format: 'csv' } } }));
report({
  bench: 'ops-drift', events: result.events.rows, sampled: result.events.sampled, reference: result.reference.rows, days: result.days.length, seconds: round(seconds, 1), peak_rss_mb: peakRssMb(),
  alerts: result.alerts, warnings: result.warnings.length,
  worst: [...result.features].sort((a, b) => b.psi - a.psi).slice(0, 5).map((f) => ({ feature: f.feature, psi: round(f.psi, 4), status: f.status })),
  last_day_calibration: round(result.days[result.days.length - 1]?.calibrationRatio ?? NaN, 3),
});
