// Regular retraining: a croner job that runs retrain (window → challenger → drift of the held-out days → gate →
// promote) every interval. Within the process croner's `protect` skips a tick while the last one still runs; across
// processes the registry's lock refuses the second (LOCKED is logged, not fatal). A run missed while the scheduler was
// down is made up once at start: when the newest retrain record is older than the interval. Ticks then follow at the
// interval from the last retrain (made up or recorded), never at once: a restart an hour after a daily retrain waits
// the remaining 23 hours. A failed tick is logged and the champion stays; the next tick tries again.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { AdrankError, isAdrankError } from '../core/errors.js';
import { retrain, type RetrainOptions, type RetrainRecord } from './retrain.js';

/** "24h", "30m", "90s", "1d" → seconds. */
export function parseEvery(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'] : NaN;
  if (!(seconds >= 1)) {
    throw new AdrankError('BAD_ARGUMENT', `--every ${text} is not a duration`, { location: { field: '--every', value: text }, hint: 'a number and a unit: 24h, 30m, 90s or 1d (at least one second)' });
  }
  return seconds;
}

/** Seconds since the newest retrain record of the registry, or Infinity when there is none. */
export function secondsSinceLastRetrain(registry: string, now = Date.now()): number {
  let newest = 0;
  try {
    for (const f of readdirSync(join(registry, 'records'))) if (f.endsWith('.json')) newest = Math.max(newest, statSync(join(registry, 'records', f)).mtimeMs);
  } catch {
    return Infinity;
  }
  return newest > 0 ? (now - newest) / 1000 : Infinity;
}

export interface TickOutcome {
  at: string;
  outcome: 'promoted' | 'refused' | 'skipped' | 'failed';
  id?: string;
  message: string;
}

export interface ScheduleOptions {
  everySeconds: number;
  /** stop after this many ticks (Infinity: run until stopped) */
  maxRuns: number;
  retrain: RetrainOptions;
  log: (line: string) => void;
}

/** One tick: a retrain whose failures are outcomes, not exceptions. */
export async function tick(options: RetrainOptions): Promise<TickOutcome> {
  const at = new Date().toISOString();
  try {
    const record: RetrainRecord = await retrain(options);
    return { at, outcome: record.promoted ? 'promoted' : 'refused', id: record.id, message: record.promoted ? `${record.id} is the champion` : record.gate.failures.join('; ') };
  } catch (e) {
    if (isAdrankError(e) && e.code === 'LOCKED') return { at, outcome: 'skipped', message: e.message };
    return { at, outcome: 'failed', message: isAdrankError(e) ? e.describe() : String(e) };
  }
}

/** Runs the schedule until `maxRuns` ticks are done (or forever); resolves with every tick's outcome. */
export async function runSchedule(options: ScheduleOptions): Promise<TickOutcome[]> {
  const outcomes: TickOutcome[] = [];
  const record = async (): Promise<void> => {
    const outcome = await tick(options.retrain);
    outcomes.push(outcome);
    options.log(`[${outcome.at}] ${outcome.outcome}: ${outcome.message}`);
  };
  const since = secondsSinceLastRetrain(options.retrain.registry);
  let lastMs = Date.now() - since * 1000;
  if (since >= options.everySeconds) {
    options.log(since === Infinity ? 'no retrain yet: running one now' : `the last retrain was ${Math.round(since)} s ago, more than the interval: making it up now`);
    lastMs = Date.now();
    await record();
  }
  if (outcomes.length >= options.maxRuns) return outcomes;
  const startAt = new Date(Math.max(Date.now(), lastMs + options.everySeconds * 1000));
  options.log(`next retrain at ${startAt.toISOString()}`);
  await new Promise<void>((resolve) => {
    const job = new Cron('* * * * * *', {
      interval: options.everySeconds,
      startAt,
      protect: () => options.log('a retrain is still running: this tick is skipped'),
    }, async () => {
      await record();
      if (outcomes.length >= options.maxRuns) {
        job.stop();
        resolve();
      }
    });
    const stop = (): void => {
      job.stop();
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return outcomes;
}
