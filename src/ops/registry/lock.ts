// An exclusive lock on a registry: a file created with O_EXCL holding the owner's pid, host, purpose and start
// time. A second retrain (or a promotion while one runs) is refused with LOCKED, naming the holder. A lock whose
// process has died (same host, no such pid) is stale and taken over, so a crash never blocks the registry forever.
import { hostname } from 'node:os';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { AdrankError } from '../../core/errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  purpose: string;
  startedAt: string;
}

export interface Lock {
  readonly path: string;
  readonly info: LockInfo;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

async function readLock(path: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' && typeof info.host === 'string' ? (info as LockInfo) : null;
  } catch {
    return null; // being written, or garbage: treated as held unless it is old (see below)
  }
}

/** Takes the lock at `path` for `purpose`, or throws LOCKED when a live process holds it. */
export async function acquireLock(path: string, purpose: string): Promise<Lock> {
  const info: LockInfo = { pid: process.pid, host: hostname(), purpose, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, JSON.stringify(info) + '\n', { flag: 'wx' });
      return { path, info, release: () => releaseLock(path, info) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readLock(path);
    if (holder && holder.host === info.host && !alive(holder.pid)) {
      await rm(path, { force: true }); // the holder died: its lock is stale
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
}

async function releaseLock(path: string, info: LockInfo): Promise<void> {
  const holder = await readLock(path);
  if (holder && holder.pid === info.pid && holder.startedAt === info.startedAt) await rm(path, { force: true });
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
