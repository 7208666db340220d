// How online features are laid out in Redis. Every materialization writes a new version under
// NS:VERSION:…, and readers follow the pointer NS:current, which is flipped only after a version is
// complete — so a reader never sees a half-written version.
//   NS:current            → VERSION being served        NS:previous → the version before it
//   NS:versions           → set of versions ever started (for clean-up of old and abandoned ones)
//   NS:VERSION:meta       → OnlineMeta as JSON
//   NS:VERSION:u:USER_ID  → JSON [age_group, gender, country, user_ctr, [[category_code, ctr, converted], …], [advertiser_id with a conversion, …]]
//   NS:VERSION:ads        → hash AD_ID → the ad's 32-byte record (ad-record.ts); one hash, because HMGET of a
//                            thousand ads costs Redis less than half an MGET of a thousand keys
// Versions are short (v1, v2, … from NS:sequence) because every lookup sends a thousand keys.

export const pointerKey = (ns: string): string => `${ns}:current`;
export const previousKey = (ns: string): string => `${ns}:previous`;
export const versionsKey = (ns: string): string => `${ns}:versions`;
export const sequenceKey = (ns: string): string => `${ns}:sequence`;
export const metaKey = (ns: string, version: string): string => `${ns}:${version}:meta`;
export const userKey = (ns: string, version: string, userId: number): string => `${ns}:${version}:u:${userId}`;
export const adsKey = (ns: string, version: string): string => `${ns}:${version}:ads`;

export type UserRecord = [ageGroup: string, gender: string, country: string, ctr: number, categories: [number, number, number][], convertedAdvertisers: number[]];
