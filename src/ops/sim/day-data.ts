// The training data of a simulated day, as a data folder in the seed's schema: the catalogues as they are that day
// (every user; the live ads at the day's bids) and the logged impressions of the training window, in time order.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeCsv } from '../../data/csv-writer.js';
import { countryNames } from '../../data/generate/drift.js';
import type { DayLog } from '../../data/generate/write-drift-world.js';
import type { World } from '../../data/generate/world.js';
import { AD_CATALOG_HEADER, AGE_GROUPS, DEVICES, EVENT_LOG_HEADER, GENDERS, USER_CATALOG_HEADER } from '../../data/schema.js';
import type { Impression } from './day.js';

/** The logging policy's day (the world's own log) as impressions. */
export function impressionsOf(world: World, day: DayLog): Impression[] {
  const { log, eventTime } = day;
  const regions = world.spec.regions;
  return Array.from({ length: log.length }, (_, i) => ({
    userId: log.userIndex[i] + 1, adId: log.adIndex[i] + 1, device: DEVICES[log.device[i]], location: regions[log.location[i]],
    weekday: log.weekday[i], month: log.month[i], hour: log.hour[i], clicked: log.clicked[i], converted: log.converted[i], eventTime: eventTime[i], propensity: NaN,
  }));
}

/**
 * Writes DIR/{user_catalog,ad_catalog,event_log}.csv for training on `impressions` as of `world`'s day, and
 * test_event_log.csv from `heldOut` when given (where the run fits its calibration and reports its metrics).
 */
export async function writeDayData(dir: string, world: World, impressions: readonly Impression[], heldOut?: readonly Impression[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const spec = world.spec;
  const countries = countryNames(spec);
  writeCsv(join(dir, 'user_catalog.csv'), USER_CATALOG_HEADER, spec.users, (u) => `${u + 1},${AGE_GROUPS[world.userAge[u]]},${GENDERS[world.userGender[u]]},${countries[world.userCountry[u]]}`);
  const ads = world.activeAds ?? Int32Array.from({ length: spec.ads }, (_, a) => a);
  writeCsv(join(dir, 'ad_catalog.csv'), AD_CATALOG_HEADER, ads.length, (i) => {
    const a = ads[i];
    return `${a + 1},${spec.categories[world.adCategory[a]]},${world.adAdvertiser[a]},${spec.formats[world.adFormat[a]]},${world.adBid[a]}`;
  });
  const writeLog = (file: string, rows: readonly Impression[]): void => writeCsv(join(dir, file), [...EVENT_LOG_HEADER, 'event_time'], rows.length, (i) => {
    const e = rows[i];
    return `${e.userId},${e.adId},${e.device},${e.location},${e.weekday},${e.month},${e.hour},${e.clicked},${e.converted},${e.eventTime}`;
  });
  writeLog('event_log.csv', impressions);
  if (heldOut) writeLog('test_event_log.csv', heldOut);
  return dir;
}
