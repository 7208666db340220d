// An ad's online values as one record: in memory a run of AD_FIELDS doubles, in Redis 32 little-endian bytes
// (int32 category code, float64 advertiser_id, float64 bid, float64 ad CTR, int32 format code; the codes index
// OnlineMeta.categories and OnlineMeta.formats).
import type { AdFeatureBatch } from './store.js';
import type { OnlineMeta } from './tables.js';

export interface AdRecord {
  category: number;
  advertiserId: number;
  bid: number;
  ctr: number;
  format: number;
}

export const AD_CATEGORY = 0;
export const AD_ADVERTISER = 1;
export const AD_BID = 2;
export const AD_CTR = 3;
export const AD_FORMAT = 4;
export const AD_FIELDS = 5;

export function writeRecord(target: Float64Array, at: number, ad: AdRecord): void {
  target[at + AD_CATEGORY] = ad.category;
  target[at + AD_ADVERTISER] = ad.advertiserId;
  target[at + AD_BID] = ad.bid;
  target[at + AD_CTR] = ad.ctr;
  target[at + AD_FORMAT] = ad.format;
}

export const AD_RECORD_BYTES = 32;

export function encodeAdRecord(ad: AdRecord): Buffer {
  const b = Buffer.allocUnsafe(AD_RECORD_BYTES);
  b.writeInt32LE(ad.category, 0);
  b.writeDoubleLE(ad.advertiserId, 4);
  b.writeDoubleLE(ad.bid, 12);
  b.writeDoubleLE(ad.ctr, 20);
  b.writeInt32LE(ad.format, 28);
  return b;
}

/** Reads an ad record into `out`; returns false for a value of the wrong size. */
export function decodeAdRecord(value: Buffer, out: AdRecord): boolean {
  if (value.length !== AD_RECORD_BYTES) return false;
  out.category = value.readInt32LE(0);
  out.advertiserId = value.readDoubleLE(4);
  out.bid = value.readDoubleLE(12);
  out.ctr = value.readDoubleLE(20);
  out.format = value.readInt32LE(28);
  return true;
}

/** What a candidate's user×ad values come from: the requesting user's values by category code (the category
 *  means where the user has no history) and the advertisers the user converted with. */
export interface UserAdValues {
  categoryCtr: Float64Array; // (C)
  categoryConverted: Uint8Array; // (C)
  convertedWith(advertiserId: number): boolean;
}

/** Writes candidate i of `batch` from the ad record at records[r, r + AD_FIELDS) and the user's values. */
export function fillCandidate(batch: AdFeatureBatch, i: number, records: Float64Array, r: number, meta: OnlineMeta, user: UserAdValues): void {
  const category = records[r + AD_CATEGORY];
  const advertiser = records[r + AD_ADVERTISER];
  batch.found[i] = 1;
  batch.category[i] = meta.categories[category];
  batch.advertiserId[i] = advertiser;
  batch.format[i] = meta.formats[records[r + AD_FORMAT]] ?? '';
  batch.bid[i] = records[r + AD_BID];
  batch.adHistoricalCtr[i] = records[r + AD_CTR];
  batch.userXCategoryCtr[i] = user.categoryCtr[category];
  batch.userXCategoryConverted[i] = user.categoryConverted[category];
  batch.userXAdvertiserConverted[i] = user.convertedWith(advertiser) ? 1 : 0;
}
