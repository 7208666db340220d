// An independent, deliberately naive re-implementation of the seed's pandas feature code
// (groupby-mean / groupby-max, left merges, the category-mean fill) and of the point-in-time
// definition (a loop over earlier events). Tests compare adrank's SQL against it.
import { readCsvRows } from './helpers.js';
import { join } from 'node:path';

export interface SeedWorldRows {
  events: Record<string, string>[];
  testEvents: Record<string, string>[];
  users: Map<string, Record<string, string>>;
  ads: Map<string, Record<string, string>>;
}

export function readSeedWorld(dir: string): SeedWorldRows {
  return {
    events: readCsvRows(join(dir, 'event_log.csv')),
    testEvents: readCsvRows(join(dir, 'test_event_log.csv')),
    users: new Map(readCsvRows(join(dir, 'user_catalog.csv')).map((u) => [u.user_id, u])),
    ads: new Map(readCsvRows(join(dir, 'ad_catalog.csv')).map((a) => [a.ad_id, a])),
  };
}

export interface Aggregates {
  user_historical_ctr: number;
  ad_historical_ctr: number;
  user_x_category_ctr: number;
  user_x_advertiser_converted: number;
  user_x_category_converted: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Aggregates of `row` computed from `history` exactly as the seed does (plus the documented fallbacks). */
export function aggregatesFrom(history: Record<string, string>[], row: Record<string, string>, ads: SeedWorldRows['ads']): Aggregates {
  const category = (e: Record<string, string>): string => ads.get(e.ad_id)!.category;
  const advertiser = (e: Record<string, string>): string => ads.get(e.ad_id)!.advertiser_id;
  const clicks = (es: Record<string, string>[]): number[] => es.map((e) => Number(e.clicked));
  const global = history.length ? mean(clicks(history)) : 0;
  const byUser = history.filter((e) => e.user_id === row.user_id);
  const byAd = history.filter((e) => e.ad_id === row.ad_id);
  const byUserCategory = byUser.filter((e) => category(e) === category(row));
  const byUserAdvertiser = byUser.filter((e) => advertiser(e) === advertiser(row));
  // the category's mean over users of their user×category CTR (groupby("category").mean() of the ctr table)
  const usersInCategory = [...new Set(history.filter((e) => category(e) === category(row)).map((e) => e.user_id))];
  const perUser = usersInCategory.map((u) => mean(clicks(history.filter((e) => e.user_id === u && category(e) === category(row)))));
  const categoryMean = perUser.length ? mean(perUser) : global;
  return {
    user_historical_ctr: byUser.length ? mean(clicks(byUser)) : global,
    ad_historical_ctr: byAd.length ? mean(clicks(byAd)) : global,
    user_x_category_ctr: byUserCategory.length ? mean(clicks(byUserCategory)) : categoryMean,
    user_x_advertiser_converted: byUserAdvertiser.length ? Math.max(...byUserAdvertiser.map((e) => Number(e.converted))) : 0,
    user_x_category_converted: byUserCategory.length ? Math.max(...byUserCategory.map((e) => Number(e.converted))) : 0,
  };
}

/** The seed's 21-column table for a log, with aggregates from `historyOf(i)`. */
export function referenceTable(world: SeedWorldRows, log: Record<string, string>[], historyOf: (i: number) => Record<string, string>[]): Record<string, string | number>[] {
  return log.map((e, i) => {
    const u = world.users.get(e.user_id)!;
    const a = world.ads.get(e.ad_id)!;
    return {
      user_id: e.user_id, ad_id: e.ad_id, device: e.device, location: e.location, weekday: e.weekday, month: e.month, hour: e.hour,
      clicked: e.clicked, converted: e.converted, age_group: u.age_group, gender: u.gender, country: u.country,
      category: a.category, advertiser_id: a.advertiser_id, format: a.format, bid: a.bid,
      ...aggregatesFrom(historyOf(i), e, world.ads),
    };
  });
}

export const snapshotReference = (w: SeedWorldRows): Record<string, string | number>[] => referenceTable(w, w.events, () => w.events);
export const pointInTimeReference = (w: SeedWorldRows): Record<string, string | number>[] => referenceTable(w, w.events, (i) => w.events.slice(0, i));
export const testReference = (w: SeedWorldRows): Record<string, string | number>[] => referenceTable(w, w.testEvents, () => w.events);
