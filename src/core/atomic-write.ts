// Artifacts are written to a temporary path beside the target and renamed into place, so a reader never
// sees a half-written file and a failure leaves the previous version intact.
//
// What may be replaced: a regular file by a file (the path was asked for explicitly); a directory by a
// directory only when nothing in it would be lost — each of its files is listed in the marker adrank wrote
// into it (ARTIFACT_MARKER) or is rewritten by the new artifact. Anything else (a directory where a file
// goes, a file where a directory goes, a link, a FIFO, a directory holding other files) is refused with
// a BAD_ARGUMENT error naming the path; adrank never deletes what it did not write.
import { constants, type Stats } from 'node:fs';
import { access, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AdrankError } from './errors.js';

export type OutputKind = 'file' | 'directory';

/** File adrank writes into every directory artifact: the list of the files it holds. */
export const ARTIFACT_MARKER = '.adrank-artifact.json';

interface ArtifactMarker {
  writer: 'adrank';
  files: string[];
}

/** Names `path` in a file-system error that does not name one (errors of write(2) on a descriptor). */
export function withPath(e: unknown, path: string): unknown {
  const errno = e as NodeJS.ErrnoException;
  if (e instanceof Error && typeof errno.code === 'string' && errno.syscall !== undefined && errno.path === undefined) errno.path = path;
  return e;
}

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write `data` to `target` atomically. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await checkOutputPath(target, 'file');
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data);
    await replaceWith(target, tmp, 'file', []);
  } catch (e) {
    await rm(tmp, { force: true });
    throw withPath(e, target);
  }
}

/**
 * Run `produce(tmpPath)` to create a file or directory at a temp path, then move it to `target`.
 * A directory gets ARTIFACT_MARKER listing its files, so a later run may replace it.
 */
export async function produceAtomic<T>(target: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  await checkExisting(target, undefined, []);
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const result = await produce(tmp);
    const kind: OutputKind = (await lstat(tmp)).isDirectory() ? 'directory' : 'file';
    const files = kind === 'directory' ? await listFiles(tmp) : [];
    if (kind === 'directory') {
      const marker: ArtifactMarker = { writer: 'adrank', files };
      await writeFile(join(tmp, ARTIFACT_MARKER), JSON.stringify(marker, null, 1) + '\n');
    }
    await replaceWith(target, tmp, kind, files);
    return result;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw withPath(e, target);
  }
}

/**
 * Checks, before any work is done, that an artifact of `kind` can be written at `target`: the target is
 * absent or replaceable (see the file comment), and its nearest existing ancestor is a writable directory.
 * `newFiles` are the files a directory artifact will hold; when they are not known, an existing directory
 * is checked only against its marker, and fully when the artifact is written.
 */
export async function checkOutputPath(target: string, kind: OutputKind, newFiles?: readonly string[]): Promise<void> {
  await checkExisting(target, kind, newFiles);
  let parent = dirname(resolve(target));
  for (;;) {
    const stat = await lstatOrUndefined(parent);
    if (stat) {
      if (!stat.isDirectory() && !(stat.isSymbolicLink() && (await isDirectory(parent)))) {
        throw refused(target, `${parent} is not a directory`, 'choose an output path whose parent folders are directories');
      }
      try {
        await access(parent, constants.W_OK);
      } catch {
        throw refused(target, `${parent} is not writable (permission denied)`, 'choose a folder you can write to');
      }
      return;
    }
    const up = dirname(parent);
    if (up === parent) return;
    parent = up;
  }
}

/** Throws unless `target` is absent or may be replaced by an artifact of `kind` (any kind when undefined). */
async function checkExisting(target: string, kind: OutputKind | undefined, newFiles: readonly string[] | undefined): Promise<void> {
  const stat = await lstatOrUndefined(target);
  if (!stat) return;
  if (stat.isSymbolicLink()) throw refused(target, `${target} is a symbolic link`, 'give the path of the file or folder itself, or another path');
  if (stat.isFile()) {
    if (kind === 'directory') throw refused(target, `${target} is a file, but a directory is written there`, 'choose another path, or remove the file yourself');
    return;
  }
  if (!stat.isDirectory()) throw refused(target, `${target} exists and is neither a regular file nor a directory`, 'choose another path');
  if (kind === 'file') {
    throw refused(target, `${target} is a directory; a file is written there and adrank never deletes a directory`, 'choose a file path (for example out.csv), or remove the directory yourself');
  }
  if (kind === 'directory') await checkOwnDirectory(target, newFiles);
}

/** A directory may be replaced only if every file in it is listed in its marker or rewritten by the new artifact. */
async function checkOwnDirectory(dir: string, newFiles: readonly string[] | undefined): Promise<void> {
  const marked = await readMarker(dir);
  if (newFiles === undefined && marked.length === 0) return; // decided when the new files are known
  const owned = new Set([...marked, ...(newFiles ?? [])]);
  const foreign = (await listFiles(dir)).find((f) => !owned.has(f));
  if (foreign !== undefined) {
    throw refused(dir, `${dir} is a directory holding ${join(dir, foreign)}, which adrank did not write`, 'choose an empty or new folder, or move your files out of it');
  }
}

async function readMarker(dir: string): Promise<string[]> {
  try {
    const marker = JSON.parse(await readFile(join(dir, ARTIFACT_MARKER), 'utf8')) as Partial<ArtifactMarker>;
    return marker.writer === 'adrank' && Array.isArray(marker.files) ? [...marker.files.map(String), ARTIFACT_MARKER] : [];
  } catch {
    return [];
  }
}

/** Moves `tmp` to `target`. A directory target goes aside first and is put back if the move fails. */
async function replaceWith(target: string, tmp: string, kind: OutputKind, newFiles: string[]): Promise<void> {
  await checkExisting(target, kind, newFiles);
  const existing = await lstatOrUndefined(target);
  if (!existing?.isDirectory()) {
    await rename(tmp, target);
    return;
  }
  const aside = `${tempPathFor(target)}.old`;
  await rename(target, aside);
  try {
    await rename(tmp, target);
  } catch (e) {
    await rename(aside, target);
    throw e;
  }
  await rm(aside, { recursive: true, force: true });
}

/** Relative paths of the files (anything but directories) under `dir`, sorted; links are not followed. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, path)));
    else if (path !== ARTIFACT_MARKER) out.push(path);
  }
  return out.sort();
}

/** The entry at `path` itself (links not followed), or undefined when there is none. */
async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function refused(target: string, message: string, hint: string): AdrankError {
  return new AdrankError('BAD_ARGUMENT', `cannot write there: ${message}`, { location: { file: target }, hint });
}
