// npm run bench:ops-simulate — the closed loop on a drifting world (src/ops/sim/loop.ts): retraining every 24 h
// against a frozen model, day by day, as expected revenue per request and its share of the oracle; then the A/B
// mode with off-policy estimates. Prints one JSON line per day and per check, and the timings.
// Usage: node dist/bench/ops-simulate.js [days=14] [requests per day=20000] [mode=compare|ab|both] [users=10000] [ads=2000]
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDrift } from '../src/data/generate/drift.js';
import { driftWorldSpec, worldSpec } from '../src/data/generate/presets.js';
import { writeDriftWorld } from '../src/data/generate/write-drift-world.js';
import { SIMULATION_GATE } from '../src/ops/gate.js';
import { lightTrainConfig } from '../src/ops/light-config.js';
import { simulate } from '../src/ops/sim/loop.js';
import { peakRssMb, report, round } from './measure.js';

const days = Number(process.argv[2] ?? 14);
const requestsPerDay = Number(process.argv[3] ?? 20_000);
const modes = (process.argv[4] ?? 'both') === 'both' ? (['compare', 'ab'] as const) : ([process.argv[4]] as ('compare' | 'ab')[]);
const users = Number(process.argv[5] ?? 10_000);
const ads = Number(process.argv[6] ?? 2_000);
const world = join(tmpdir(), `adrank-bench-drift-${users}-${ads}-${days + 1}`);
if (!existsSync(join(world, 'truth', 'world.json'))) {
  await writeDriftWorld(driftWorldSpec(worldSpec('small', 42, { users, ads, advertisers: Math.round(ads / 10) }), defaultDrift(days + 1, 30_000)), world, 'csv');
}
const config = await lightTrainConfig();
for (const mode of modes) {
  const out = join(tmpdir(), `adrank-bench-sim-${mode}`);
  await rm(out, { recursive: true, force: true }); // the bench's own folder of the last run
  const result = await simulate({
    world, out, days, requestsPerDay, initialEvents: Number(process.env.ADRANK_SIM_INITIAL ?? 100_000), exploration: { epsilon: Number(process.env.ADRANK_SIM_EPSILON ?? 0.1), topM: 10, uniform: Number(process.env.ADRANK_SIM_UNIFORM ?? 0.5) }, keepHistory: process.env.ADRANK_SIM_KEEP === '1', gate: process.env.ADRANK_SIM_GATE === '0' ? null : SIMULATION_GATE, mode, windowDays: Number(process.env.ADRANK_SIM_WINDOW ?? 3), candidates: 300, config, seed: 7,
    progress: { stage: () => {}, epoch: () => {} }, log: (line) => process.stderr.write(line + '\n'),
  });
  for (const d of result.days) {
    report({ bench: 'ops-simulate', mode, day: d.day, oracle: round(d.oraclePerRequest, 5), ...Object.fromEntries(d.arms.flatMap((a) => [[`${a.name}_share`, round(a.shareOfOracle, 4)], [`${a.name}_revenue`, round(a.expectedPerRequest, 5)], [`${a.name}_realized`, round(a.realizedPerRequest, 5)]])), train_s: round(d.trainSeconds, 1), rank_s: round(d.rankSeconds, 1), promoted: d.retrain?.promoted ?? null });
  }
  for (const c of result.offPolicy) {
    report({ bench: 'ops-ope', target: c.target, logger: c.logger, rows: c.rows, support: round(c.support, 4), truth: round(c.truth, 5), measured: round(c.measured.mean, 5), measured_ci: [round(c.measured.lower, 5), round(c.measured.upper, 5)], ...Object.fromEntries(c.estimates.map((e) => [e.name, { value: round(e.value, 5), ci: [round(e.lower, 5), round(e.upper, 5)], covers: e.coversTruth }])) });
  }
  if (result.ab) report({ bench: 'ops-ab', ...Object.fromEntries(result.ab.arms.map((a) => [a.name, { mean: round(a.mean, 5), ci: [round(a.lower, 5), round(a.upper, 5)] }])), lift: { mean: round(result.ab.lift.mean, 5), ci: [round(result.ab.lift.lower, 5), round(result.ab.lift.upper, 5)] } });
  const first = result.days[0].arms;
  const last = result.days[result.days.length - 1].arms;
  report({ bench: 'ops-simulate-summary', mode, days, requestsPerDay, seconds: round(result.seconds, 1), retrained_first_share: round(first[1].shareOfOracle, 4), retrained_last_share: round(last[1].shareOfOracle, 4), frozen_first_share: round(first[0].shareOfOracle, 4), frozen_last_share: round(last[0].shareOfOracle, 4), peak_rss_mb: peakRssMb() });
}
