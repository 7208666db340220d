import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, readCsvRows, tempDir } from '../../../test/helpers.js';
import { AdrankError } from '../../core/errors.js';
import { DEVICES } from '../schema.js';
import { worldSpec } from './presets.js';
import { loadWorld, writeWorld } from './write-world.js';

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
    expect(readdirSync(seedDir).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(existsSync(join(seedDir, 'truth', 'world.json'))).toBe(true);
  });
});
