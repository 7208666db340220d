// How online features are laid out in Redis (a single server or a Redis Cluster).
//
// Control keys of a namespace share the hash tag {NS}, so they sit in one slot: the pointer flip, the registry of
// versions and the leases change together in one atomic script, on a cluster too.
//   {NS}:current, {NS}:previous  → the version being served and the one before it
//   {NS}:sequence                → counter that names versions v1, v2, …
//   {NS}:versions                → hash VERSION → JSON VersionEntry (state, shard counts)
//   {NS}:lease:VERSION           → exists (with a TTL, renewed) while a materialization is writing VERSION
//   {NS}:meta:VERSION            → JSON VersionMeta (the OnlineMeta and the shard layout), written last
// Data keys carry no hash tag, so a cluster spreads them over its slots and nodes:
//   NS:VERSION:u:SHARD           → hash USER_ID → JSON UserRecord, user in shard hashId(user_id) mod userShards
//   NS:VERSION:a:SHARD           → hash AD_ID → the ad's 32-byte record (ad-record.ts), ad in shard hashId(ad_id) mod adShards
// A lookup is one HGET of the user's shard and one HMGET per ad shard that holds a candidate, all sent at once
// (one write per node). A version's keys are known from its entry, so clean-up deletes them by name: no SCAN,
// no key patterns. Namespaces are restricted to a safe character set all the same.
import { AdrankError } from '../../core/errors.js';
import { hashId } from '../id-encoder.js';
import type { OnlineMeta } from './tables.js';

const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** `ns` if it is a valid namespace (letters, digits, `_ . -`, up to 64, starting with a letter or digit). */
export function checkNamespace(ns: string): string {
  if (!NAMESPACE.test(ns)) {
    throw new AdrankError('BAD_ARGUMENT', `namespace ${JSON.stringify(ns)} is not allowed`, {
      location: { field: 'namespace', value: ns },
      hint: 'use 1–64 letters, digits, "_", "." or "-", starting with a letter or digit (e.g. prod, staging-2)',
    });
  }
  return ns;
}

export const pointerKey = (ns: string): string => `{${ns}}:current`;
export const previousKey = (ns: string): string => `{${ns}}:previous`;
export const sequenceKey = (ns: string): string => `{${ns}}:sequence`;
export const registryKey = (ns: string): string => `{${ns}}:versions`;
export const leaseKey = (ns: string, version: string): string => `{${ns}}:lease:${version}`;
export const metaKey = (ns: string, version: string): string => `{${ns}}:meta:${version}`;
export const userShardKey = (ns: string, version: string, shard: number): string => `${ns}:${version}:u:${shard}`;
export const adShardKey = (ns: string, version: string, shard: number): string => `${ns}:${version}:a:${shard}`;

export interface ShardLayout {
  userShards: number;
  adShards: number;
}

const SHARD_SALT = 0x5eed_0001;

/** The shard (0 … shards-1) of a user or ad id. */
export function shardOf(id: number, shards: number): number {
  return hashId(id, SHARD_SALT) % shards;
}

/** Every data key of a version. */
export function versionDataKeys(ns: string, version: string, layout: ShardLayout): string[] {
  const keys: string[] = [];
  for (let s = 0; s < layout.userShards; s++) keys.push(userShardKey(ns, version, s));
  for (let s = 0; s < layout.adShards; s++) keys.push(adShardKey(ns, version, s));
  return keys;
}

/** What readers need besides the records: the online meta and the shard layout. */
export interface VersionMeta {
  online: OnlineMeta;
  layout: ShardLayout;
}

/**
 * A version's life: writing (its lease key exists while the writer is alive) → live (published: current or
 * previous) → retired (`since` = when it stopped being current) → deleting; or writing → abandoned.
 */
export interface VersionEntry extends ShardLayout {
  state: 'writing' | 'live' | 'retired' | 'abandoned' | 'deleting';
  /** server time (ms) of the last change of state */
  since: number;
  /** while writing: server time (ms) until which the writer holds the version */
  leaseUntil?: number;
}

/** A user in Redis; each category entry is [code, ctr, converted, impressions]. */
export type UserRecord = [ageGroup: string, gender: string, country: string, ctr: number, categories: [number, number, number, number][], convertedAdvertisers: number[], impressions: number];
