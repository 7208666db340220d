// Writes a drifting world as one directory in the seed's schema, as of its last day: every user and ad that ever
// existed (bids as of the last day), one event log over all days ordered by event_time (epoch seconds, one day =
// 86,400 s), and under truth/ the true probabilities of every impression with its day, what changed on each day
// (days.json) and the spec (world.json) from which loadDriftingWorld rebuilds every day's hidden model.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOutputPath, produceAtomic } from '../../core/atomic-write.js';
import { AdrankError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { writeCsv } from '../csv-writer.js';
import { AD_CATALOG_HEADER, AGE_GROUPS, DEVICES, EVENT_LOG_HEADER, GENDERS, USER_CATALOG_HEADER } from '../schema.js';
import { countryNames, DAY_SECONDS, DriftingWorld, dateOf, type DaySummary } from './drift.js';
import { generateLog, type GeneratedLog } from './log.js';
import type { WorldSpec } from './presets.js';
import { World } from './world.js';
import { convertToParquet, formatProbability, type DataFormat, type GenerateSummary, type WorldFile } from './write-world.js';

const CSV_FILES = ['user_catalog.csv', 'ad_catalog.csv', 'event_log.csv', 'truth/event_log.truth.csv'];

export function driftWorldFiles(format: DataFormat): string[] {
  const data = format === 'parquet' ? CSV_FILES.map((f) => f.replace(/\.csv$/, '.parquet')) : CSV_FILES;
  return [...data, 'truth/world.json', 'truth/days.json'];
}

/** One day's impressions with their times: sorted by time within the day. */
export interface DayLog {
  log: GeneratedLog;
  /** epoch seconds (N), ascending */
  eventTime: Float64Array;
}

/** The logging policy's impressions of `day`, drawn from that day's world, in time order. */
export function generateDay(drifting: DriftingWorld, world: World, day: number, events: number): DayLog {
  const root = new Rng(drifting.spec.seed);
  const log = generateLog(world, events, root.fork(`day-${day}`), undefined, dateOf(drifting.drift, day));
  const times = root.fork(`times-${day}`);
  const start = drifting.drift.startTime + day * DAY_SECONDS;
  const raw = Float64Array.from(log.hour, (h) => start + h * 3600 + times.int(3600));
  const order = Int32Array.from(raw.keys()).sort((a, b) => raw[a] - raw[b] || a - b);
  return { log: permuteLog(log, order), eventTime: Float64Array.from(order, (i) => raw[i]) };
}

function permuteLog(log: GeneratedLog, order: Int32Array): GeneratedLog {
  const pick = <T extends Int32Array | Uint8Array | Float32Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(a.length);
    for (let i = 0; i < order.length; i++) out[i] = a[order[i]];
    return out;
  };
  return {
    length: log.length, userIndex: pick(log.userIndex), adIndex: pick(log.adIndex), device: pick(log.device), location: pick(log.location),
    weekday: pick(log.weekday), month: pick(log.month), hour: pick(log.hour), clicked: pick(log.clicked), converted: pick(log.converted),
    pClick: pick(log.pClick), pConvertGivenClick: pick(log.pConvertGivenClick),
  };
}

export async function writeDriftWorld(spec: WorldSpec, out: string, format: DataFormat, onProgress?: (stage: string, done: number, total: number) => void): Promise<GenerateSummary & { days: DaySummary[] }> {
  await checkOutputPath(out, 'directory', driftWorldFiles(format));
  const drifting = new DriftingWorld(new World(spec));
  const { days, eventsPerDay } = drifting.drift;
  const logs: DayLog[] = [];
  const summaries: DaySummary[] = [];
  let world = drifting.at(0);
  for (let d = 0; d < days; d++) {
    world = drifting.at(d);
    onProgress?.('days', d, days);
    logs.push(generateDay(drifting, world, d, eventsPerDay));
    summaries.push(drifting.summary(d, world));
  }
  const files = await produceAtomic(out, async (tmp) => {
    await mkdir(join(tmp, 'truth'), { recursive: true });
    writeCatalogs(world, tmp);
    writeStream(world, logs, tmp);
    const worldFile: WorldFile = { spec, clickIntercept: drifting.base.clickIntercept, conversionIntercept: drifting.base.conversionIntercept };
    await writeFile(join(tmp, 'truth', 'world.json'), JSON.stringify(worldFile, null, 2) + '\n');
    await writeFile(join(tmp, 'truth', 'days.json'), JSON.stringify(summaries.map((s, d) => ({ ...s, events: logs[d].log.length, ctr: rate(logs[d].log.clicked) })), null, 1) + '\n');
    if (format === 'parquet') await convertToParquet(tmp, CSV_FILES);
    return driftWorldFiles(format);
  });
  const clicks = logs.reduce((n, l) => n + count(l.log.clicked), 0);
  const conversions = logs.reduce((n, l) => n + count(l.log.converted), 0);
  return {
    out, preset: spec.preset, seed: spec.seed, format, users: spec.users, ads: spec.ads, advertisers: spec.advertisers,
    events: days * eventsPerDay, testEvents: 0, trainCtr: clicks / (days * eventsPerDay), trainCvr: conversions / Math.max(1, clicks), files, days: summaries,
  };
}

/** Catalogues as of the last day: every user and ad of the stream, the last day's bids. */
function writeCatalogs(world: World, dir: string): void {
  const spec = world.spec;
  const countries = countryNames(spec);
  writeCsv(join(dir, 'user_catalog.csv'), USER_CATALOG_HEADER, spec.users, (u) => `${u + 1},${AGE_GROUPS[world.userAge[u]]},${GENDERS[world.userGender[u]]},${countries[world.userCountry[u]]}`);
  writeCsv(join(dir, 'ad_catalog.csv'), AD_CATALOG_HEADER, spec.ads, (a) => `${a + 1},${spec.categories[world.adCategory[a]]},${world.adAdvertiser[a]},${spec.formats[world.adFormat[a]]},${world.adBid[a]}`);
}

function writeStream(world: World, logs: DayLog[], dir: string): void {
  const regions = world.spec.regions;
  const rows: { day: number; i: number }[] = [];
  logs.forEach((l, day) => {
    for (let i = 0; i < l.log.length; i++) rows.push({ day, i });
  });
  writeCsv(join(dir, 'event_log.csv'), [...EVENT_LOG_HEADER, 'event_time'], rows.length, (r) => {
    const { day, i } = rows[r];
    const { log, eventTime } = logs[day];
    return `${log.userIndex[i] + 1},${log.adIndex[i] + 1},${DEVICES[log.device[i]]},${regions[log.location[i]]},${log.weekday[i]},${log.month[i]},${log.hour[i]},${log.clicked[i]},${log.converted[i]},${eventTime[i]}`;
  });
  writeCsv(join(dir, 'truth', 'event_log.truth.csv'), ['p_click', 'p_convert_given_click', 'day'], rows.length, (r) => {
    const { day, i } = rows[r];
    const { log } = logs[day];
    return `${formatProbability(log.pClick[i])},${formatProbability(log.pConvertGivenClick[i])},${day}`;
  });
}

/** Rebuilds a drifting world from truth/world.json, checking its intercepts. */
export async function loadDriftingWorld(dir: string): Promise<DriftingWorld> {
  const path = join(dir, 'truth', 'world.json');
  let file: WorldFile;
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as WorldFile;
  } catch {
    throw new AdrankError('FILE_NOT_FOUND', `no world description at ${path}`, { location: { file: path }, hint: 'give a world made by `adrank generate --drift-days N`' });
  }
  if (!file.spec?.drift) {
    throw new AdrankError('BAD_ARGUMENT', `${dir} is a world that does not change`, { location: { file: path }, hint: 'generate a drifting world with `adrank generate --drift-days N`' });
  }
  const drifting = new DriftingWorld(new World(file.spec));
  if (Math.abs(drifting.base.clickIntercept - file.clickIntercept) > 1e-9 || Math.abs(drifting.base.conversionIntercept - file.conversionIntercept) > 1e-9) {
    throw new AdrankError('BAD_ARTIFACT', 'world.json does not match the model rebuilt from its spec', { location: { file: path }, hint: 'the world was made by a different version of the generator; generate it again' });
  }
  return drifting;
}

function count(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function rate(a: Uint8Array): number {
  return a.length ? count(a) / a.length : 0;
}
