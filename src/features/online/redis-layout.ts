// How online features are laid out in Redis. Every materialization writes a new version under
// NS:VERSION:…, and readers follow the pointer NS:current, which is flipped only after a version is
// complete — so a reader never sees a half-written version.
//   NS:current            → VERSION being served        NS:previous → the version before it
//   NS:versions           → set of versions ever started (for clean-up of old and abandoned ones)
//   NS:VERSION:meta       → OnlineMeta as JSON
//   NS:VERSION:u:USER_ID  → JSON [age_group, gender, country, user_ctr, [[category_code, ctr, converted], …], [advertiser_id with a conversion, …]]
//   NS:VERSION:a:AD_ID    → "category_code␟advertiser_id␟bid␟ad_ctr␟format" (␟ = U+001F; format last, so it may contain anything)

import { randomBytes } from 'node:crypto';

export const FIELD_SEPARATOR = '\u001f';

export const pointerKey = (ns: string): string => `${ns}:current`;
export const previousKey = (ns: string): string => `${ns}:previous`;
export const versionsKey = (ns: string): string => `${ns}:versions`;
export const metaKey = (ns: string, version: string): string => `${ns}:${version}:meta`;
export const userKey = (ns: string, version: string, userId: number): string => `${ns}:${version}:u:${userId}`;
export const adKey = (ns: string, version: string, adId: number): string => `${ns}:${version}:a:${adId}`;

export type UserRecord = [ageGroup: string, gender: string, country: string, ctr: number, categories: [number, number, number][], convertedAdvertisers: number[]];

export function encodeAdRecord(categoryCode: number, advertiserId: number, bid: number, ctr: number, format: string): string {
  return `${categoryCode}${FIELD_SEPARATOR}${advertiserId}${FIELD_SEPARATOR}${bid}${FIELD_SEPARATOR}${ctr}${FIELD_SEPARATOR}${format}`;
}

/** Parses an ad record into its fields; returns false for a malformed record. */
export function decodeAdRecord(record: string, out: { category: number; advertiserId: number; bid: number; ctr: number; format: string }): boolean {
  const s1 = record.indexOf(FIELD_SEPARATOR);
  const s2 = record.indexOf(FIELD_SEPARATOR, s1 + 1);
  const s3 = record.indexOf(FIELD_SEPARATOR, s2 + 1);
  const s4 = record.indexOf(FIELD_SEPARATOR, s3 + 1);
  if (s1 < 0 || s2 < 0 || s3 < 0 || s4 < 0) return false;
  out.category = Number(record.slice(0, s1));
  out.advertiserId = Number(record.slice(s1 + 1, s2));
  out.bid = Number(record.slice(s2 + 1, s3));
  out.ctr = Number(record.slice(s3 + 1, s4));
  out.format = record.slice(s4 + 1);
  return true;
}

/** A new version name: the time, then random bytes so concurrent writers never collide. */
export function newVersion(): string {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').replace('Z', '');
  return `v${stamp}-${randomBytes(3).toString('hex')}`;
}
