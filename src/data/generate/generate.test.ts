import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, readCsvRows, tempDir } from '../../../test/helpers.js';
import { ARTIFACT_MARKER } from '../../core/atomic-write.js';
import { AdrankError } from '../../core/errors.js';
import { DEVICES } from '../schema.js';
import { worldSpec } from './presets.js';
import { loadWorld, worldFiles, writeWorld } from './write-world.js';

const root = tempDir();
let seedDir: string;

beforeAll(async () => {
  seedDir = await makeWorld(join(root, 'seed'));
});

const clickRate = (rows: Record<string, string>[]): number => rows.filter((r) => r.clicked === '1').length / rows.length;

describe('the seed preset', () => {
  it("has the blog's sizes and catalogues", () => {
    const users = readCsvRows(join(seedDir, 'user_catalog.csv'));
    const ads = readCsvRows(join(seedDir, 'ad_catalog.csv'));
    expect(users).toHaveLength(10);
    expect(ads).toHaveLength(20);
    expect(users[0]).toEqual({ user_id: '1', age_group: '18-24', gender: 'M', country: 'US' });
    expect(ads[1]).toEqual({ ad_id: '2', category: 'shoes', advertiser_id: '1', format: 'video', bid: '2.5' });
    expect(ads.map((a) => a.category)).toEqual([...Array(7).fill('shoes'), ...Array(7).fill('tech'), ...Array(6).fill('food')]);
    expect(new Set(ads.map((a) => a.advertiser_id)).size).toBe(5);
    expect(readCsvRows(join(seedDir, 'event_log.csv'))).toHaveLength(500);
    expect(readCsvRows(join(seedDir, 'test_event_log.csv')).length).toBeGreaterThan(0);
  });

  it('has a CTR of about 30%', () => {
    const ctr = clickRate(readCsvRows(join(seedDir, 'event_log.csv')));
    expect(ctr).toBeGreaterThan(0.24);
    expect(ctr).toBeLessThan(0.36);
  });

  it('shows users 1, 4 and 7 preferring shoes, tech and food in their click rates', () => {
    const category = Object.fromEntries(readCsvRows(join(seedDir, 'ad_catalog.csv')).map((a) => [a.ad_id, a.category]));
    // training and held-out logs together: about 90 impressions per user
    const events = [...readCsvRows(join(seedDir, 'event_log.csv')), ...readCsvRows(join(seedDir, 'test_event_log.csv'))];
    for (const [user, preferred] of [['1', 'shoes'], ['4', 'tech'], ['7', 'food']]) {
      const mine = events.filter((e) => e.user_id === user);
      const liked = clickRate(mine.filter((e) => category[e.ad_id] === preferred));
      const others = clickRate(mine.filter((e) => category[e.ad_id] !== preferred));
      expect(liked, `user ${user} on ${preferred}`).toBeGreaterThan(0.5);
      expect(liked - others, `user ${user}`).toBeGreaterThan(0.3);
    }
  });
});

describe('generation', () => {
  it('is deterministic for a seed and differs across seeds', async () => {
    const again = await makeWorld(join(root, 'seed-again'));
    const other = await makeWorld(join(root, 'seed-other'), 'seed', 7);
    for (const f of ['user_catalog.csv', 'ad_catalog.csv', 'event_log.csv', 'test_event_log.csv', 'truth/event_log.truth.csv', 'truth/world.json']) {
      expect(readFileSync(join(again, f), 'utf8'), f).toBe(readFileSync(join(seedDir, f), 'utf8'));
    }
    expect(readFileSync(join(other, 'event_log.csv'), 'utf8')).not.toBe(readFileSync(join(seedDir, 'event_log.csv'), 'utf8'));
  });

  it('writes truth aligned with each log, and the oracle reproduces it', async () => {
    const world = await loadWorld(seedDir);
    const regions = world.spec.regions;
    for (const log of ['event_log', 'test_event_log']) {
      const events = readCsvRows(join(seedDir, `${log}.csv`));
      const truth = readCsvRows(join(seedDir, 'truth', `${log}.truth.csv`));
      expect(truth).toHaveLength(events.length);
      events.forEach((e, i) => {
        const ctx = { device: DEVICES.indexOf(e.device as (typeof DEVICES)[number]), location: regions.indexOf(e.location), weekday: +e.weekday, month: +e.month, hour: +e.hour };
        const u = +e.user_id - 1;
        const a = +e.ad_id - 1;
        expect(world.pClick(u, a, ctx)).toBeCloseTo(+truth[i].p_click, 6);
        expect(world.pConvertGivenClick(u, a, ctx)).toBeCloseTo(+truth[i].p_convert_given_click, 6);
        if (e.converted === '1') expect(e.clicked).toBe('1');
      });
    }
  });

  it('gives realistic rates for the small preset (CTR 2–5%, CVR given click 5–15%)', async () => {
    const summary = await writeWorld(worldSpec('small', 1, { events: 60_000 }), join(root, 'small'), 'csv');
    expect(summary.trainCtr).toBeGreaterThan(0.02);
    expect(summary.trainCtr).toBeLessThan(0.05);
    expect(summary.trainCvr).toBeGreaterThan(0.05);
    expect(summary.trainCvr).toBeLessThan(0.15);
    expect(summary.testEvents).toBe(6_000);
  });

  it('honours explicit sizes', async () => {
    const dir = join(root, 'sized');
    const summary = await writeWorld(worldSpec('small', 3, { users: 50, ads: 30, advertisers: 4, events: 1000, testEvents: 100 }), dir, 'csv');
    expect(summary).toMatchObject({ users: 50, ads: 30, advertisers: 4, events: 1000, testEvents: 100 });
    expect(new Set(readCsvRows(join(dir, 'ad_catalog.csv')).map((a) => a.advertiser_id)).size).toBe(4);
    expect(readCsvRows(join(dir, 'test_event_log.csv'))).toHaveLength(100);
  });

  it('rejects impossible sizes before writing anything', () => {
    expect(() => worldSpec('small', 1, { ads: 3, advertisers: 10 })).toThrow(AdrankError);
    expect(() => worldSpec('seed', 1, { users: 100 })).toThrow(/fixed catalogues/);
    expect(() => worldSpec('huge', 1)).toThrow(/unknown preset/);
  });

  it('leaves no temporary files behind', () => {
    expect(readdirSync(seedDir).filter((f) => f.startsWith('.'))).toEqual([ARTIFACT_MARKER]);
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(existsSync(join(seedDir, 'truth', 'world.json'))).toBe(true);
  });
});

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('golden worlds', () => {
  it('the seed world of seed 42 and a small world stay byte for byte what they were', async () => {
    const seed42: Record<string, string> = {
      'ad_catalog.csv': '28049a50df30c02df7340b868c99d9ece84eedc8c6ec3671b5c37639f1ce2c46',
      'event_log.csv': '7c76adcb74ad0eee099d231c88b682ef57c56687ba794d4f1a8a6b3db49e17fe',
      'test_event_log.csv': 'da09ba80a99e4bd4c3717340b59d5d166653e8ce139608738b469a3fbc373521',
      'truth/event_log.truth.csv': '80fe792fe744035cd4706acee51799332686ed92ae756393d9c8246d4b88a09a',
      'truth/test_event_log.truth.csv': 'd3092edccda763b8a0dd270ad3ff073fb5f9aae1eeb97a9eab442b3894527779',
      'truth/world.json': '3a081cd70f76c21c95e1aa351e3d3929b1e3179b2430870b62f6de14c0751d0c',
      'user_catalog.csv': '0c261a92a4e2dcaf3344a218f27081c13a461d8d6d6cb319d7aaad770395ecb9',
    };
    for (const [file, hash] of Object.entries(seed42)) expect(sha256(join(seedDir, file)), file).toBe(hash);
    const small = join(root, 'golden-small');
    await writeWorld(worldSpec('small', 7, { events: 5000 }), small, 'csv');
    expect(sha256(join(small, 'event_log.csv'))).toBe('bb968906ab95c2fd6c1b35234f8609e6ec39e05ef93d006fc5fa15d7d52516fd');
    expect(sha256(join(small, 'ad_catalog.csv'))).toBe('ea31ab06dc87b849281196a504c20809b338d611263e90a52248ab99bc3643e4');
  });

  it('seeds past 2^32 make their own worlds', async () => {
    const wide = await makeWorld(join(root, 'seed-wide'), 'seed', 42 + 2 ** 32);
    expect(readFileSync(join(wide, 'event_log.csv'), 'utf8')).not.toBe(readFileSync(join(seedDir, 'event_log.csv'), 'utf8'));
    expect(JSON.parse(readFileSync(join(wide, 'truth', 'world.json'), 'utf8')).spec.seed).toBe(4294967338);
  });
});

describe('the output directory', () => {
  const files = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((f) => !f.startsWith('.')).sort();

  it('replaces a world adrank wrote there, old files included', async () => {
    const dir = join(root, 'reused');
    await writeWorld(worldSpec('seed', 1), dir, 'csv');
    await writeWorld(worldSpec('seed', 2), dir, 'parquet');
    expect(files(dir)).toEqual(['ad_catalog.parquet', 'event_log.parquet', 'test_event_log.parquet', 'truth', 'truth/event_log.truth.parquet', 'truth/test_event_log.truth.parquet', 'truth/world.json', 'user_catalog.parquet']);
    expect(JSON.parse(readFileSync(join(dir, 'truth', 'world.json'), 'utf8')).spec.seed).toBe(2);
  });

  it('refuses a folder holding files adrank did not write, and a file, touching neither', async () => {
    const dir = join(root, 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    await expect(writeWorld(worldSpec('seed', 1), dir, 'csv')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('notes.txt') });
    expect(files(dir)).toEqual(['notes.txt']);
    await expect(writeWorld(worldSpec('seed', 1), join(dir, 'notes.txt'), 'csv')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('is a file') });
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('keeps the old world when writing the new one fails', async () => {
    const dir = join(root, 'kept');
    await writeWorld(worldSpec('seed', 1), dir, 'csv');
    const before = readFileSync(join(dir, 'event_log.csv'), 'utf8');
    const failing = writeWorld(worldSpec('seed', 2), dir, 'parquet', (stage, done) => {
      if (stage === 'writing files' && done === 1) throw new Error('disk went away');
    });
    await expect(failing).rejects.toThrow('disk went away');
    expect(readFileSync(join(dir, 'event_log.csv'), 'utf8')).toBe(before);
    expect(files(dir)).toEqual(worldFiles('csv').concat('truth').sort());
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
