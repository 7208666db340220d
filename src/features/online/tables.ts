// The online feature tables: the end-of-training aggregates in the shape serving reads them, written
// under RUN/online/ as Parquet plus meta.json, and read back into typed columns.
//   users(user_id, age_group, gender, country, user_historical_ctr, impressions)          — every catalogue user
//   ads(ad_id, category, advertiser_id, format, bid, ad_historical_ctr, impressions, clicks) — every catalogue ad
//   user_category(user_id, category, ctr, converted, impressions)                        — pairs with history
//   user_advertiser(user_id, advertiser_id)                               — pairs with a conversion
// Aggregates fall back as in training: global CTR for users and ads without history, the category mean
// for user×category pairs without history, 0 for conversion flags.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { produceAtomic } from '../../core/atomic-write.js';
import { AdrankError } from '../../core/errors.js';
import { Db, sqlString } from '../../data/duckdb.js';
import { smoothedCtr } from '../aggregates.js';
import type { AdRecord } from './ad-record.js';
import { checkMeta, checkOnlineFile, ONLINE_FILES, type OnlineFile } from './table-checks.js';

export interface OnlineMeta {
  version: 1;
  /** the FeatureMap of the run these tables belong to */
  featureMapHash?: string;
  globalCtr: number;
  ctrPriorStrength: number;
  categories: string[]; // category code → name
  categoryMeanCtr: number[]; // by category code
  formats: string[]; // format code → name
  users: number;
  ads: number;
}

export interface OnlineTables {
  meta: OnlineMeta;
  users: { userId: Float64Array; ageGroup: string[]; gender: string[]; country: string[]; ctr: Float64Array; impressions: Float64Array };
  ads: { adId: Float64Array; category: Int32Array; advertiserId: Float64Array; format: string[]; bid: Float64Array; ctr: Float64Array; impressions: Float64Array; clicks: Float64Array };
  /** rows in any order (readers group them by user, see user-slices.ts) */
  userCategory: { userId: Float64Array; category: Int32Array; ctr: Float64Array; converted: Uint8Array; impressions: Float64Array };
  /** rows in any order */
  userAdvertiser: { userId: Float64Array; advertiserId: Float64Array };
}

/** Ad `a` of the tables as a record (category and format as codes into meta). */
export function adRecordOf(t: OnlineTables, a: number): AdRecord {
  return { category: t.ads.category[a], advertiserId: t.ads.advertiserId[a], bid: t.ads.bid[a], ctr: t.ads.ctr[a], format: Math.max(0, t.meta.formats.indexOf(t.ads.format[a])) };
}

/** Writes RUN/online/ from the fs_* aggregate tables of `db` (see createEndOfTrainingAggregates). */
export async function writeOnlineTables(db: Db, runDir: string, ctrPriorStrength: number, featureMapHash?: string): Promise<string> {
  const k = ctrPriorStrength;
  const target = join(runDir, 'online');
  await mkdir(runDir, { recursive: true });
  return produceAtomic(target, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    const copy = (sql: string, file: string): Promise<void> => db.run(`COPY (${sql}) TO ${sqlString(join(tmp, file))} (FORMAT parquet)`);
    const global = '(SELECT ctr FROM fs_global)';
    await copy(`SELECT u.user_id, CAST(u.age_group AS VARCHAR) AS age_group, CAST(u.gender AS VARCHAR) AS gender, CAST(u.country AS VARCHAR) AS country,
        CASE WHEN u.impressions > 0 THEN ${smoothedCtr('u.clicks', 'u.impressions', global, k)} ELSE ${global} END AS user_historical_ctr,
        u.impressions::BIGINT AS impressions
      FROM fs_user_row u ORDER BY u.user_idx`, 'users.parquet');
    await copy(`SELECT a.ad_id, CAST(a.category AS VARCHAR) AS category, a.advertiser_id, CAST(a.format AS VARCHAR) AS format, a.bid,
        CASE WHEN a.impressions > 0 THEN ${smoothedCtr('a.clicks', 'a.impressions', global, k)} ELSE ${global} END AS ad_historical_ctr,
        a.impressions::BIGINT AS impressions, a.clicks::BIGINT AS clicks
      FROM fs_ad_row a ORDER BY a.ad_idx`, 'ads.parquet');
    const categoryFallback = `coalesce(cm.mean_ctr, ${global})`;
    await copy(`SELECT uc.user_id, CAST(uc.category AS VARCHAR) AS category, ${smoothedCtr('uc.clicks', 'uc.impressions', categoryFallback, k)} AS ctr, uc.converted,
        uc.impressions::BIGINT AS impressions
      FROM fs_user_category uc LEFT JOIN fs_category_mean cm ON cm.category = uc.category ORDER BY uc.user_id, uc.category`, 'user_category.parquet');
    await copy(`SELECT user_id, advertiser_id FROM fs_user_advertiser WHERE converted = 1 ORDER BY user_id, advertiser_id`, 'user_advertiser.parquet');
    const categories = await db.rows(`SELECT CAST(a.category AS VARCHAR) AS category, cm.mean_ctr FROM (SELECT DISTINCT category FROM ad_catalog) a LEFT JOIN fs_category_mean cm ON cm.category = a.category ORDER BY 1`);
    const globalCtr = Number(await db.scalar('SELECT ctr FROM fs_global'));
    const meta: OnlineMeta = {
      version: 1,
      ...(featureMapHash ? { featureMapHash } : {}),
      globalCtr,
      ctrPriorStrength: k,
      categories: categories.map((c) => String(c.category)),
      categoryMeanCtr: categories.map((c) => (c.mean_ctr === null ? globalCtr : Number(c.mean_ctr))),
      formats: (await db.rows(`SELECT DISTINCT CAST(format AS VARCHAR) AS f FROM ad_catalog ORDER BY 1`)).map((r) => String(r.f)),
      users: Number(await db.scalar('SELECT count(*) FROM user_catalog')),
      ads: Number(await db.scalar('SELECT count(*) FROM ad_catalog')),
    };
    await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 1) + '\n');
    return target;
  });
}

/** Reads RUN/online/ into typed columns, after checking every file (table-checks.ts). */
export async function readOnlineTables(runDir: string): Promise<OnlineTables> {
  const dir = join(runDir, 'online');
  const metaFile = join(dir, 'meta.json');
  let metaText: string;
  try {
    metaText = await readFile(metaFile, 'utf8');
  } catch {
    throw new AdrankError('FILE_NOT_FOUND', `no online feature tables in ${dir}`, {
      location: { file: metaFile },
      hint: 'build them with `adrank features --data DIR --run RUN`',
    });
  }
  const meta = checkMeta(metaText, metaFile);
  const db = await Db.open();
  try {
    const path = (name: OnlineFile): string => join(dir, name);
    const rows = {} as Record<OnlineFile, number>;
    for (const name of Object.keys(ONLINE_FILES) as OnlineFile[]) rows[name] = await checkOnlineFile(db, path(name), name, meta);
    const file = (name: OnlineFile): string => `read_parquet(${sqlString(path(name))})`;
    const strings = async (sql: string): Promise<string[]> => (await db.rows(sql)).map((r) => String(Object.values(r)[0]));
    const categoryCode = `list_position(${`[${meta.categories.map(sqlString).join(', ')}]`}, category) - 1`;

    const nUsers = rows['users.parquet'];
    const users = { userId: new Float64Array(nUsers), ctr: new Float64Array(nUsers), impressions: new Float64Array(nUsers), ageGroup: [] as string[], gender: [] as string[], country: [] as string[] };
    await db.readInto(`SELECT user_id, user_historical_ctr AS ctr, impressions FROM ${file('users.parquet')}`, { user_id: users.userId, ctr: users.ctr, impressions: users.impressions });
    users.ageGroup = await strings(`SELECT age_group FROM ${file('users.parquet')}`);
    users.gender = await strings(`SELECT gender FROM ${file('users.parquet')}`);
    users.country = await strings(`SELECT country FROM ${file('users.parquet')}`);

    const nAds = rows['ads.parquet'];
    const ads = { adId: new Float64Array(nAds), category: new Int32Array(nAds), advertiserId: new Float64Array(nAds), bid: new Float64Array(nAds), ctr: new Float64Array(nAds), impressions: new Float64Array(nAds), clicks: new Float64Array(nAds), format: [] as string[] };
    await db.readInto(`SELECT ad_id, ${categoryCode} AS category, advertiser_id, bid, ad_historical_ctr AS ctr, impressions, clicks FROM ${file('ads.parquet')}`, {
      ad_id: ads.adId, category: ads.category, advertiser_id: ads.advertiserId, bid: ads.bid, ctr: ads.ctr, impressions: ads.impressions, clicks: ads.clicks,
    });
    ads.format = await strings(`SELECT format FROM ${file('ads.parquet')}`);

    const nPairs = rows['user_category.parquet'];
    const userCategory = { userId: new Float64Array(nPairs), category: new Int32Array(nPairs), ctr: new Float64Array(nPairs), converted: new Uint8Array(nPairs), impressions: new Float64Array(nPairs) };
    await db.readInto(`SELECT user_id, ${categoryCode} AS category, ctr, converted, impressions FROM ${file('user_category.parquet')}`, {
      user_id: userCategory.userId, category: userCategory.category, ctr: userCategory.ctr, converted: userCategory.converted, impressions: userCategory.impressions,
    });

    const nConversions = rows['user_advertiser.parquet'];
    const userAdvertiser = { userId: new Float64Array(nConversions), advertiserId: new Float64Array(nConversions) };
    await db.readInto(`SELECT user_id, advertiser_id FROM ${file('user_advertiser.parquet')}`, { user_id: userAdvertiser.userId, advertiser_id: userAdvertiser.advertiserId });
    return { meta, users, ads, userCategory, userAdvertiser };
  } finally {
    db.close();
  }
}
