// How online features are laid out in Redis. Every materialization writes a new version under
// NS:VERSION:…, and readers follow the pointer NS:current, which is flipped only after a version is
// complete — so a reader never sees a half-written version.
//   NS:current            → VERSION being served        NS:previous → the version before it
//   NS:versions           → set of versions ever started (for clean-up of old and abandoned ones)
//   NS:VERSION:meta       → OnlineMeta as JSON
//   NS:VERSION:u:USER_ID  → JSON [age_group, gender, country, user_ctr, [[category_code, ctr, converted], …], [advertiser_id with a conversion, …]]
//   NS:VERSION:a:AD_ID    → 32 bytes, little-endian: int32 category code, float64 advertiser_id, float64 bid,
//                            float64 ad CTR, int32 format code (codes index OnlineMeta.categories / .formats)
// Versions are short (v1, v2, … from NS:sequence) because every lookup sends a thousand keys.

export const pointerKey = (ns: string): string => `${ns}:current`;
export const previousKey = (ns: string): string => `${ns}:previous`;
export const versionsKey = (ns: string): string => `${ns}:versions`;
export const sequenceKey = (ns: string): string => `${ns}:sequence`;
export const metaKey = (ns: string, version: string): string => `${ns}:${version}:meta`;
export const userKey = (ns: string, version: string, userId: number): string => `${ns}:${version}:u:${userId}`;
export const adKey = (ns: string, version: string, adId: number): string => `${ns}:${version}:a:${adId}`;

export type UserRecord = [ageGroup: string, gender: string, country: string, ctr: number, categories: [number, number, number][], convertedAdvertisers: number[]];

export const AD_RECORD_BYTES = 32;

export interface AdRecord {
  category: number;
  advertiserId: number;
  bid: number;
  ctr: number;
  format: number;
}

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
