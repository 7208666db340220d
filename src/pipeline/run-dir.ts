// The run directory, the unit of deployment: everything a server needs, built in a temporary folder beside the
// target and renamed into place at the end, with manifest.json written last — the SHA-256 and size of every
// file. A folder without a manifest is not a run (an interrupted build leaves only a hidden temporary folder);
// loading checks every file against the manifest, so a tampered, truncated or mixed-up run is refused.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { AdrankError } from '../core/errors.js';

export const MANIFEST = 'manifest.json';

export interface Manifest {
  format: 'adrank-run';
  version: 1;
  kind: 'features' | 'train';
  createdAt: string;
  /** the FeatureMap hash every model of the run was trained with */
  featureMapHash: string;
  files: Record<string, { sha256: string; bytes: number }>;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

/** Whether `dir` is a run adrank wrote (it has a manifest of the right format). */
export function isRunDir(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Partial<Manifest>;
    return manifest.format === 'adrank-run';
  } catch {
    return false;
  }
}

/**
 * Builds a run at `target`: `produce(tmp)` writes the files into a temporary folder, the manifest is written
 * last, and the folder is renamed into place. An existing target is refused unless `replace` is set and it is a
 * run adrank wrote (a directory of anything else is never deleted).
 */
export async function writeRun(target: string, kind: Manifest['kind'], replace: boolean, produce: (tmp: string) => Promise<{ featureMapHash: string }>): Promise<Manifest> {
  checkRunTarget(target, replace);
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp, { recursive: true });
  try {
    const { featureMapHash } = await produce(tmp);
    const files: Manifest['files'] = {};
    for (const file of await listFiles(tmp)) files[file] = { sha256: await hashFile(join(tmp, file)), bytes: statSync(join(tmp, file)).size };
    const manifest: Manifest = { format: 'adrank-run', version: 1, kind, createdAt: new Date().toISOString(), featureMapHash, files };
    await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
    if (existsSync(target) && readdirSync(target).length === 0) await rm(target, { recursive: true });
    if (existsSync(target)) {
      checkRunTarget(target, replace);
      const old = `${tmp}.old`;
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
    return manifest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Refuses an output path that exists, unless it is an adrank run and replacing was asked for. */
export function checkRunTarget(target: string, replace: boolean): void {
  if (!existsSync(target)) return;
  if (statSync(target).isDirectory() && readdirSync(target).length === 0) return; // an empty folder holds nothing to lose
  if (!statSync(target).isDirectory() || !isRunDir(target)) {
    throw new AdrankError('BAD_ARGUMENT', `${target} exists and is not an adrank run`, { location: { file: target }, hint: 'choose another output path; adrank never deletes what it did not write' });
  }
  if (!replace) {
    throw new AdrankError('BAD_ARGUMENT', `the run ${target} exists`, { location: { file: target }, hint: 'runs are immutable: choose another output path, or pass --replace to rebuild it' });
  }
}

function badRun(dir: string, message: string, file?: string): AdrankError {
  return new AdrankError('BAD_ARTIFACT', `run ${dir}: ${message}`, {
    location: { file: file ? join(dir, file) : dir },
    hint: 'the run is incomplete, was edited, or mixes files of different runs; build it again with `adrank train`',
  });
}

/** Reads a run's manifest and checks every file it lists (size and SHA-256); returns the manifest. */
export async function verifyRun(dir: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    throw new AdrankError(existsSync(dir) ? 'BAD_ARTIFACT' : 'FILE_NOT_FOUND', `${dir} is not an adrank run (no readable ${MANIFEST})`, {
      location: { file: join(dir, MANIFEST) },
      hint: 'give the directory `adrank train --out` (or `adrank features --run`) wrote',
    });
  }
  if (manifest.format !== 'adrank-run' || manifest.version !== 1 || typeof manifest.files !== 'object') throw badRun(dir, `${MANIFEST} is not a run manifest`, MANIFEST);
  for (const [file, expected] of Object.entries(manifest.files)) {
    const path = join(dir, file);
    if (!existsSync(path)) throw badRun(dir, `${file} is missing`, file);
    if (statSync(path).size !== expected.bytes) throw badRun(dir, `${file} has ${statSync(path).size} bytes, the manifest says ${expected.bytes}`, file);
    if ((await hashFile(path)) !== expected.sha256) throw badRun(dir, `${file} does not match its SHA-256 in the manifest`, file);
  }
  return manifest;
}
