// An exclusive lock on a registry: a file holding the owner's pid (and, on Linux, that process's start time), host,
// purpose and start time, written whole to a temporary file and hard-linked into place, so the lock file is never
// seen half-written and two processes cannot both create it. A second retrain (or a promotion while one runs) is
// refused with LOCKED, naming the holder. A lock whose process has died — same host, and no such pid, or a pid that
// now belongs to a process started later (pids are reused, often by the next container's scheduler) — is stale and
// taken over, so a crash never blocks the registry forever. A takeover first renames the stale file to a name of its
// own, so of two processes taking over the same stale lock only one removes it. A lock file that cannot be read is
// held while it is fresh and stale once it is older than a minute.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { AdrankError } from '../../core/errors.js';

export interface LockInfo {
  pid: number;
  /** the process's start time in clock ticks since boot (/proc/PID/stat), when the system tells it */
  pidStart?: number;
  host: string;
  purpose: string;
  startedAt: string;
}

export interface Lock {
  readonly path: string;
  readonly info: LockInfo;
  release(): Promise<void>;
}

const UNREADABLE_STALE_MS = 60_000;
/** locks this process holds, by path: a lock naming our own pid that is not here was left by an earlier process */
const held = new Map<string, LockInfo>();

/** The start time of process `pid` (field 22 of /proc/PID/stat), or undefined where /proc is not there. */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the command name may hold spaces
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

function alive(holder: LockInfo, path: string): boolean {
  if (holder.pid === process.pid) {
    const mine = held.get(path);
    return mine !== undefined && mine.startedAt === holder.startedAt;
  }
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false; // EPERM: it exists, owned by another user
  }
  const start = holder.pidStart === undefined ? undefined : processStart(holder.pid);
  return start === undefined || start === holder.pidStart;
}

async function readLock(path: string): Promise<LockInfo | null | 'missing'> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' && typeof info.host === 'string' && typeof info.startedAt === 'string' ? (info as LockInfo) : null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : null;
  }
}

async function isStale(path: string, holder: LockInfo | null): Promise<boolean> {
  if (holder) return holder.host === hostname() && !alive(holder, path);
  try {
    return Date.now() - (await stat(path)).mtimeMs > UNREADABLE_STALE_MS;
  } catch {
    return false;
  }
}

const sameHolder = (a: LockInfo | null | 'missing', b: LockInfo | null): boolean =>
  a !== 'missing' && (a === null ? b === null : b !== null && a.pid === b.pid && a.startedAt === b.startedAt);

/** Takes the lock at `path` for `purpose`, or throws LOCKED when a live process holds it. */
export async function acquireLock(path: string, purpose: string): Promise<Lock> {
  const info: LockInfo = { pid: process.pid, pidStart: processStart(process.pid), host: hostname(), purpose, startedAt: new Date().toISOString() };
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify(info) + '\n');
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(temp, path); // atomic, and fails when the lock exists
        held.set(path, info);
        return { path, info, release: () => releaseLock(path, info) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = await readLock(path);
      if (holder === 'missing') continue; // released in between
      if (await isStale(path, holder)) {
        // move it aside under a name of our own: only one of two processes taking over the same lock succeeds
        const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.stale`;
        try {
          await rename(path, aside);
        } catch {
          continue; // someone else moved it first
        }
        const moved = await readLock(aside);
        if (!sameHolder(moved, holder)) await link(aside, path).catch(() => {}); // a fresh lock replaced it meanwhile: put it back
        await rm(aside, { force: true });
        continue;
      }
      const who = holder ? `${holder.purpose} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})` : 'another process';
      throw new AdrankError('LOCKED', `the registry is busy: ${who} holds ${path}`, {
        location: { file: path },
        hint: 'wait for it to finish and try again; a lock left by a process that died is taken over automatically',
        details: holder,
      });
    }
    throw new AdrankError('LOCKED', `could not take the lock ${path}`, { location: { file: path }, hint: 'another process keeps taking it; try again' });
  } finally {
    await rm(temp, { force: true });
  }
}

async function releaseLock(path: string, info: LockInfo): Promise<void> {
  const holder = await readLock(path);
  if (holder !== 'missing' && holder !== null && holder.pid === info.pid && holder.startedAt === info.startedAt) await rm(path, { force: true });
  if (held.get(path) === info) held.delete(path);
}

/** Runs `fn` holding the lock. */
export async function withLock<T>(path: string, purpose: string, fn: (lock: Lock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(path, purpose);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
