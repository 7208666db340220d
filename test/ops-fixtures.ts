// Fixtures of the operations tests: a small drifting world, data folders cut from it by day (with or without
// shuffled labels), and quiet progress callbacks.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { defaultDrift } from '../src/data/generate/drift.js';
import { driftWorldSpec, worldSpec } from '../src/data/generate/presets.js';
import { writeDriftWorld } from '../src/data/generate/write-drift-world.js';
import type { TrainProgress } from '../src/pipeline/train-run.js';
import { editCsv } from './helpers.js';

export const QUIET: TrainProgress = { stage: () => {}, epoch: () => {} };

/** A drifting small world: `users` users, `ads` ads, `days` days of `perDay` events. */
export async function makeDriftWorld(dir: string, days: number, perDay: number, sizes = { users: 3000, ads: 600, advertisers: 60 }, seed = 11): Promise<string> {
  await writeDriftWorld(driftWorldSpec(worldSpec('small', seed, sizes), defaultDrift(days, perDay)), dir, 'csv');
  return dir;
}

/**
 * A data folder holding the world's catalogues and the events of days [0, days) of its log; with `shuffleBefore`,
 * the clicks (and conversions) of the days before it are shuffled among those rows — a broken training log.
 */
export function cutDays(world: string, out: string, days: number, shuffleBefore?: number): string {
  mkdirSync(out, { recursive: true });
  copyFileSync(join(world, 'user_catalog.csv'), join(out, 'user_catalog.csv'));
  copyFileSync(join(world, 'ad_catalog.csv'), join(out, 'ad_catalog.csv'));
  copyFileSync(join(world, 'event_log.csv'), join(out, 'event_log.csv'));
  editCsv(join(out, 'event_log.csv'), (lines) => {
    const header = lines[0].split(',');
    const time = header.indexOf('event_time');
    const start = Number(lines[1].split(',')[time]);
    const dayOf = (line: string): number => Math.floor((Number(line.split(',')[time]) - Math.floor(start / 86400) * 86400) / 86400);
    const kept = lines.slice(1).filter((l) => dayOf(l) < days);
    if (shuffleBefore !== undefined) {
      const rows = kept.map((l, i) => ({ l, i })).filter(({ l }) => dayOf(l) < shuffleBefore);
      const labels = rows.map(({ l }) => l.split(',').slice(7, 9));
      new Rng(3).shuffle(labels);
      rows.forEach(({ l, i }, j) => {
        const fields = l.split(',');
        fields.splice(7, 2, ...labels[j]);
        kept[i] = fields.join(',');
      });
    }
    return [lines[0], ...kept];
  });
  return out;
}
