// Writes a synthetic world to disk in the seed's schema: catalogues, training and held-out logs,
// and, under truth/, the true probabilities of every logged impression and the world's spec.
// The whole world is produced in a temporary directory and replaces the output directory only when all
// succeeded; the output must be new, empty or a world adrank wrote (see src/core/atomic-write.ts).
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOutputPath, produceAtomic } from '../../core/atomic-write.js';
import { Rng } from '../../core/rng.js';
import { AdrankError } from '../../core/errors.js';
import { Db, sqlString } from '../duckdb.js';
import { writeCsv } from '../csv-writer.js';
import { AD_CATALOG_HEADER, AGE_GROUPS, DEVICES, EVENT_LOG_HEADER, GENDERS, USER_CATALOG_HEADER } from '../schema.js';
import { createWorld, generateLog, type GeneratedLog } from './log.js';
import type { WorldSpec } from './presets.js';
import type { World } from './world.js';

export type DataFormat = 'csv' | 'parquet';

export interface GenerateSummary {
  out: string;
  preset: string;
  seed: number;
  format: DataFormat;
  users: number;
  ads: number;
  advertisers: number;
  events: number;
  testEvents: number;
  trainCtr: number;
  trainCvr: number;
  files: string[];
}

/** What truth/world.json holds: enough to rebuild the exact hidden model. */
export interface WorldFile {
  spec: WorldSpec;
  clickIntercept: number;
  conversionIntercept: number;
}

const PARQUET_TYPES: Record<string, string> = {
  user_id: 'BIGINT', ad_id: 'BIGINT', advertiser_id: 'BIGINT', weekday: 'TINYINT', month: 'TINYINT', hour: 'TINYINT',
  clicked: 'TINYINT', converted: 'TINYINT', bid: 'DOUBLE', p_click: 'DOUBLE', p_convert_given_click: 'DOUBLE',
  event_time: 'BIGINT', day: 'INTEGER',
};

const CSV_FILES = ['user_catalog.csv', 'ad_catalog.csv', 'event_log.csv', 'test_event_log.csv', 'truth/event_log.truth.csv', 'truth/test_event_log.truth.csv'];

/** The files of a world written in `format`, relative to its directory. */
export function worldFiles(format: DataFormat): string[] {
  const data = format === 'parquet' ? CSV_FILES.map((f) => f.replace(/\.csv$/, '.parquet')) : CSV_FILES;
  return [...data, 'truth/world.json'];
}

export async function writeWorld(
  spec: WorldSpec,
  out: string,
  format: DataFormat,
  onProgress?: (stage: string, done: number, total: number) => void,
): Promise<GenerateSummary> {
  await checkOutputPath(out, 'directory', worldFiles(format));
  const world = createWorld(spec);
  const root = new Rng(spec.seed);
  const train = generateLog(world, spec.events, root.fork('train-log'), (d) => onProgress?.('train log', d, spec.events));
  const test = generateLog(world, spec.testEvents, root.fork('test-log'), (d) => onProgress?.('test log', d, spec.testEvents));

  const files = await produceAtomic(out, async (tmp) => {
    await mkdir(join(tmp, 'truth'), { recursive: true });
    onProgress?.('writing files', 0, 1);
    await writeCatalogs(world, tmp);
    await writeLog(world, train, join(tmp, 'event_log.csv'), join(tmp, 'truth', 'event_log.truth.csv'));
    await writeLog(world, test, join(tmp, 'test_event_log.csv'), join(tmp, 'truth', 'test_event_log.truth.csv'));
    const worldFile: WorldFile = { spec, clickIntercept: world.clickIntercept, conversionIntercept: world.conversionIntercept };
    await writeFile(join(tmp, 'truth', 'world.json'), JSON.stringify(worldFile, null, 2) + '\n');
    if (format === 'parquet') await convertToParquet(tmp, CSV_FILES);
    onProgress?.('writing files', 1, 1);
    return worldFiles(format);
  });
  return {
    out, preset: spec.preset, seed: spec.seed, format,
    users: spec.users, ads: spec.ads, advertisers: spec.advertisers, events: spec.events, testEvents: spec.testEvents,
    trainCtr: mean(train.clicked), trainCvr: sum(train.converted) / Math.max(1, sum(train.clicked)),
    files,
  };
}

async function writeCatalogs(world: World, dir: string): Promise<void> {
  const spec = world.spec;
  writeCsv(join(dir, 'user_catalog.csv'), USER_CATALOG_HEADER, spec.users, (u) =>
    `${u + 1},${AGE_GROUPS[world.userAge[u]]},${GENDERS[world.userGender[u]]},${spec.countries[world.userCountry[u]]}`);
  writeCsv(join(dir, 'ad_catalog.csv'), AD_CATALOG_HEADER, spec.ads, (a) =>
    `${a + 1},${spec.categories[world.adCategory[a]]},${world.adAdvertiser[a]},${spec.formats[world.adFormat[a]]},${world.adBid[a]}`);
}

async function writeLog(world: World, log: GeneratedLog, logPath: string, truthPath: string): Promise<void> {
  const regions = world.spec.regions;
  writeCsv(logPath, EVENT_LOG_HEADER, log.length, (i) =>
    `${log.userIndex[i] + 1},${log.adIndex[i] + 1},${DEVICES[log.device[i]]},${regions[log.location[i]]},${log.weekday[i]},${log.month[i]},${log.hour[i]},${log.clicked[i]},${log.converted[i]}`);
  writeCsv(truthPath, ['p_click', 'p_convert_given_click'], log.length, (i) =>
    `${formatProbability(log.pClick[i])},${formatProbability(log.pConvertGivenClick[i])}`);
}

// Seven significant digits: the float32 truth round-trips exactly enough for any metric.
export function formatProbability(p: number): string {
  return p.toPrecision(7);
}

/** Replaces each CSV file under `dir` by a Parquet file with the schema's column types. */
export async function convertToParquet(dir: string, csvFiles: readonly string[]): Promise<void> {
  const db = await Db.open();
  try {
    for (const f of csvFiles) {
      const csv = join(dir, f);
      const parquet = csv.replace(/\.csv$/, '.parquet');
      const header = (await firstLine(csv)).split(',');
      const types = Object.fromEntries(header.map((h) => [h, PARQUET_TYPES[h] ?? 'VARCHAR']));
      const typeSpec = `{${Object.entries(types).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ')}}`;
      await db.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)}, header=true, delim=',', columns=${typeSpec})) TO ${sqlString(parquet)} (FORMAT parquet)`);
      await rm(csv);
    }
  } catch (e) {
    throw new AdrankError('BAD_ARTIFACT', `could not write Parquet files: ${(e as Error).message}`, { hint: 'check free disk space in the output directory' });
  } finally {
    db.close();
  }
}

async function firstLine(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(4096), position: 0 });
    return buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0];
  } finally {
    await file.close();
  }
}

function sum(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function mean(a: Uint8Array): number {
  return a.length ? sum(a) / a.length : 0;
}

/** Rebuilds the hidden model of a generated world directory from truth/world.json. */
export async function loadWorld(dir: string): Promise<World> {
  const path = join(dir, 'truth', 'world.json');
  let file: WorldFile;
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as WorldFile;
  } catch {
    throw new AdrankError('FILE_NOT_FOUND', `no world description at ${path}`, {
      location: { file: path },
      hint: 'the oracle exists only for worlds made by `adrank generate`',
    });
  }
  if (file.spec?.drift) {
    throw new AdrankError('BAD_ARGUMENT', `${dir} is a drifting world: it has one hidden model per day`, { location: { file: path }, hint: 'read it with loadDriftingWorld (write-drift-world.ts)' });
  }
  const world = createWorld(file.spec);
  if (Math.abs(world.clickIntercept - file.clickIntercept) > 1e-9 || Math.abs(world.conversionIntercept - file.conversionIntercept) > 1e-9) {
    throw new AdrankError('BAD_ARTIFACT', `world.json does not match the model rebuilt from its spec`, {
      location: { file: path },
      hint: 'the world was made by a different version of the generator; generate it again',
    });
  }
  return world;
}
