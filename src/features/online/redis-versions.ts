// The registry of a namespace's versions in Redis, changed only by atomic scripts over the namespace's control
// keys (one hash slot, see redis-layout.ts), with the server's clock:
//   register → a version being written holds a lease (renewed by its writer; lost when the writer stops for leaseMs);
//   publish  → only while the lease is held and the meta is written: flip current, keep the replaced one as previous;
//   claim    → versions nobody can be reading or writing: neither current nor previous, and abandoned, or writing
//              with an expired lease, or retired (no longer current) for at least the grace period.
// Readers re-read the pointer every second or so; the grace period covers a reader still finishing lookups on a
// version that was current a moment ago, even when versions are published in quick succession.
import { AdrankError } from '../../core/errors.js';
import type { RedisClient } from './redis-client.js';
import { metaKey, pointerKey, previousKey, registryKey, sequenceKey, versionDataKeys, type ShardLayout, type VersionEntry } from './redis-layout.js';

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const REGISTER = `${NOW}
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({state = 'writing', since = now, leaseUntil = now + tonumber(ARGV[4]), userShards = tonumber(ARGV[2]), adShards = tonumber(ARGV[3])}))
return 1`;

const RENEW = `${NOW}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local e = cjson.decode(raw)
if e.state ~= 'writing' or e.leaseUntil < now then return 0 end
e.leaseUntil = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
return 1`;

const PUBLISH = `${NOW}
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if not raw then return redis.error_reply('LEASE_LOST') end
local e = cjson.decode(raw)
if e.state ~= 'writing' or e.leaseUntil < now then return redis.error_reply('LEASE_LOST') end
if redis.call('EXISTS', KEYS[4]) == 0 then return redis.error_reply('NO_META') end
e.state = 'live' e.since = now
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(e))
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
if old and old ~= ARGV[1] then
  redis.call('SET', KEYS[2], old)
  local o = redis.call('HGET', KEYS[3], old)
  if o then o = cjson.decode(o) o.state = 'retired' o.since = now redis.call('HSET', KEYS[3], old, cjson.encode(o)) end
end
return old`;

const ABANDON = `${NOW}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local e = cjson.decode(raw)
if e.state ~= 'writing' then return 0 end
e.state = 'abandoned' e.since = now
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
return 1`;

const CLAIM = `${NOW}
local current = redis.call('GET', KEYS[1])
local previous = redis.call('GET', KEYS[2])
local grace = tonumber(ARGV[1])
local claimed = {}
local all = redis.call('HGETALL', KEYS[3])
for i = 1, #all, 2 do
  local v = all[i]
  local e = cjson.decode(all[i + 1])
  if v ~= current and v ~= previous then
    local take = e.state == 'abandoned' or e.state == 'deleting'
      or (e.state == 'writing' and e.leaseUntil < now)
      or (e.state == 'retired' and now - e.since >= grace)
    if e.state == 'live' then e.state = 'retired' e.since = now redis.call('HSET', KEYS[3], v, cjson.encode(e)) end
    if take then
      e.state = 'deleting' e.since = now
      local encoded = cjson.encode(e)
      redis.call('HSET', KEYS[3], v, encoded)
      table.insert(claimed, v) table.insert(claimed, encoded)
    end
  end
end
return claimed`;

const FINISH = `local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw and cjson.decode(raw).state == 'deleting' then redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('DEL', KEYS[2]) end
return 1`;

const run = (client: RedisClient, script: string, keys: string[], args: (string | number)[]): Promise<unknown> => client.eval(script, keys.length, ...keys, ...args);

/** Starts a version: a new name from the sequence, registered as being written under a lease of `leaseMs`. */
export async function registerVersion(client: RedisClient, ns: string, layout: ShardLayout, leaseMs: number): Promise<string> {
  const version = `v${await client.incr(sequenceKey(ns))}`;
  await run(client, REGISTER, [registryKey(ns)], [version, layout.userShards, layout.adShards, leaseMs]);
  return version;
}

/** Extends the lease of a version being written; false when it was lost (the version may be deleted). */
export async function renewLease(client: RedisClient, ns: string, version: string, leaseMs: number): Promise<boolean> {
  return (await run(client, RENEW, [registryKey(ns)], [version, leaseMs])) === 1;
}

/** Flips the pointer to `version` (complete: its meta is written) and returns the version it replaced. */
export async function publishVersion(client: RedisClient, ns: string, version: string): Promise<string | null> {
  try {
    const old = await run(client, PUBLISH, [pointerKey(ns), previousKey(ns), registryKey(ns), metaKey(ns, version)], [version]);
    return typeof old === 'string' ? old : null;
  } catch (e) {
    if (/LEASE_LOST|NO_META/.test((e as Error).message)) throw leaseLost(ns, version);
    throw e;
  }
}

export function leaseLost(ns: string, version: string): AdrankError {
  return new AdrankError('STORE_UNAVAILABLE', `materialization of ${ns}:${version} lost its lease: it stopped longer than the lease allows, and its keys may be deleted`, {
    location: { field: 'namespace', value: ns },
    hint: 'materialize again; raise the lease if writes to this Redis are slow',
  });
}

/** Marks a version whose materialization failed, so that the next clean-up deletes it at once. */
export async function abandonVersion(client: RedisClient, ns: string, version: string): Promise<void> {
  await run(client, ABANDON, [registryKey(ns)], [version]);
}

/** Deletes every version that nobody can be reading or writing (see the top of this file); returns their names. */
export async function removeStaleVersions(client: RedisClient, ns: string, graceMs: number): Promise<string[]> {
  const claimed = (await run(client, CLAIM, [pointerKey(ns), previousKey(ns), registryKey(ns)], [graceMs])) as string[];
  const removed: string[] = [];
  for (let i = 0; i < claimed.length; i += 2) {
    const version = claimed[i];
    const entry = JSON.parse(claimed[i + 1]) as VersionEntry;
    // one UNLINK per key: on a cluster the keys of a version live in different slots
    await Promise.all(versionDataKeys(ns, version, entry).map((key) => client.unlink(key)));
    await run(client, FINISH, [registryKey(ns), metaKey(ns, version)], [version]);
    removed.push(version);
  }
  return removed;
}

/** The registry as it is now (for inspection and tests). */
export async function listVersions(client: RedisClient, ns: string): Promise<Map<string, VersionEntry>> {
  const all = await client.hgetall(registryKey(ns));
  return new Map(Object.entries(all).map(([v, raw]) => [v, JSON.parse(raw) as VersionEntry]));
}
