import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsvRows, tempDir } from '../../../test/helpers.js';
import { loadData } from '../load.js';
import { resolveSources } from '../sources.js';
import { DEVICES } from '../schema.js';
import { DAY_SECONDS, DriftingWorld, dateOf, defaultDrift } from './drift.js';
import { driftWorldSpec, worldSpec } from './presets.js';
import { loadDriftingWorld, writeDriftWorld } from './write-drift-world.js';
import { World } from './world.js';
import { loadWorld } from './write-world.js';

const root = tempDir();
const spec = driftWorldSpec(worldSpec('small', 5, { users: 2000, ads: 400, advertisers: 40 }), defaultDrift(6, 3000));
let dir: string;
let events: Record<string, string>[];
let truth: Record<string, string>[];
let ads: Record<string, string>[];
let users: Record<string, string>[];

beforeAll(async () => {
  dir = join(root, 'drift');
  await writeDriftWorld(spec, dir, 'csv');
  events = readCsvRows(join(dir, 'event_log.csv'));
  truth = readCsvRows(join(dir, 'truth', 'event_log.truth.csv'));
  ads = readCsvRows(join(dir, 'ad_catalog.csv'));
  users = readCsvRows(join(dir, 'user_catalog.csv'));
});

const dayOf = (e: Record<string, string>): number => Math.floor((+e.event_time - spec.drift!.startTime) / DAY_SECONDS);

describe('a drifting world', () => {
  it('is one log in time order, each day with its own date, and the truth of every impression on its day', async () => {
    expect(events).toHaveLength(6 * 3000);
    expect(truth).toHaveLength(events.length);
    for (let i = 1; i < events.length; i++) expect(+events[i].event_time).toBeGreaterThanOrEqual(+events[i - 1].event_time);
    const drifting = await loadDriftingWorld(dir);
    for (let day = 0; day < 6; day++) {
      const world = drifting.at(day);
      const rows = events.map((e, i) => ({ e, i })).filter(({ e }) => dayOf(e) === day);
      expect(rows).toHaveLength(3000);
      for (const { e, i } of rows.filter((_, j) => j % 97 === 0)) {
        expect(+truth[i].day).toBe(day);
        expect({ weekday: +e.weekday, month: +e.month }).toEqual(dateOf(spec.drift!, day));
        const ctx = { device: DEVICES.indexOf(e.device as (typeof DEVICES)[number]), location: spec.regions.indexOf(e.location), weekday: +e.weekday, month: +e.month, hour: +e.hour };
        expect(world.pClick(+e.user_id - 1, +e.ad_id - 1, ctx)).toBeCloseTo(+truth[i].p_click, 6);
        expect(world.pConvertGivenClick(+e.user_id - 1, +e.ad_id - 1, ctx)).toBeCloseTo(+truth[i].p_convert_given_click, 6);
      }
    }
  });

  it('shows only the ads live that day; later days show ads and advertisers day 0 did not have', async () => {
    const drifting = await loadDriftingWorld(dir);
    const arrival = drifting.adArrivalDay;
    for (const e of events) expect(arrival[+e.ad_id - 1]).toBeLessThanOrEqual(dayOf(e));
    const day0Ads = new Set(events.filter((e) => dayOf(e) === 0).map((e) => e.ad_id));
    const lastDay = events.filter((e) => dayOf(e) === 5);
    const newShown = lastDay.filter((e) => !day0Ads.has(e.ad_id) && arrival[+e.ad_id - 1] > 0).length;
    expect(newShown / lastDay.length).toBeGreaterThan(0.05);
    const advertiserOf = new Map(ads.map((a) => [a.ad_id, a.advertiser_id]));
    const oldAdvertisers = new Set(ads.filter((a) => arrival[+a.ad_id - 1] === 0).map((a) => a.advertiser_id));
    const newAdvertisers = new Set(ads.filter((a) => !oldAdvertisers.has(a.advertiser_id)).map((a) => a.advertiser_id));
    expect(newAdvertisers.size).toBe(4); // a tenth of 40
    expect(lastDay.some((e) => newAdvertisers.has(advertiserOf.get(e.ad_id)!))).toBe(true);
    expect(events.filter((e) => dayOf(e) === 0).some((e) => newAdvertisers.has(advertiserOf.get(e.ad_id)!))).toBe(false);
  });

  it('has users of a new country from its day on, and none before', () => {
    const country = new Map(users.map((u) => [u.user_id, u.country]));
    expect(users.filter((u) => u.country === 'Poland')).toHaveLength(100);
    const newDay = spec.drift!.newCountry!.day;
    const polish = (e: Record<string, string>): boolean => country.get(e.user_id) === 'Poland';
    expect(events.filter((e) => dayOf(e) < newDay).some(polish)).toBe(false);
    expect(events.filter((e) => dayOf(e) >= newDay).filter(polish).length).toBeGreaterThan(20);
  });

  it('moves bids and preferences day by day; at strength 0 only the catalogue changes', async () => {
    const drifting = await loadDriftingWorld(dir);
    const day0 = drifting.at(0);
    const bids0 = Float64Array.from(day0.adBid);
    const pref0 = Float32Array.from(day0.userCategoryPreference);
    const day5 = drifting.at(5);
    const moved = ads.filter((a, i) => Math.abs(+a.bid - bids0[i]) > 1e-9).length;
    expect(moved / ads.length).toBeGreaterThan(0.5);
    ads.forEach((a, i) => expect(+a.bid).toBe(day5.adBid[i])); // the catalogue holds the last day's bids
    let shift = 0;
    for (let i = 0; i < pref0.length; i++) shift += Math.abs(day5.userCategoryPreference[i] - pref0[i]) / pref0.length;
    expect(shift).toBeGreaterThan(0.1);
    const still = new DriftingWorld(new World(driftWorldSpec(worldSpec('small', 5, { users: 2000, ads: 400, advertisers: 40 }), defaultDrift(6, 3000, 0))));
    const s0 = Float32Array.from(still.at(0).userCategoryPreference);
    const s5 = still.at(5);
    expect(Array.from(s5.userCategoryPreference)).toEqual(Array.from(s0));
    expect(s5.activeAds!.length).toBeGreaterThan(still.at(0).activeAds!.length);
    expect(drifting.at(2).adBid).toEqual(drifting.at(2).adBid); // going back replays the same days
  });

  it('is deterministic, loads with its event times, and is refused by loadWorld', async () => {
    const again = join(root, 'again');
    await writeDriftWorld(spec, again, 'csv');
    for (const f of ['event_log.csv', 'ad_catalog.csv', 'user_catalog.csv', 'truth/event_log.truth.csv', 'truth/days.json']) {
      expect(readFileSync(join(again, f), 'utf8'), f).toBe(readFileSync(join(dir, f), 'utf8'));
    }
    const data = await loadData(resolveSources(dir));
    try {
      expect(data.hasEventTime).toBe(true);
      expect(data.counts.events).toBe(18000);
    } finally {
      data.db.close();
    }
    await expect(loadWorld(dir)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const days = JSON.parse(readFileSync(join(dir, 'truth', 'days.json'), 'utf8')) as { activeAds: number; newAds: number }[];
    expect(days[0].activeAds).toBe(300);
    expect(days[5].activeAds).toBe(400);
  });
});
