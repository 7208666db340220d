// An index on disk: a directory of binary files and a manifest.json written last, holding the index kind, its
// shape, its parameters and the byte length and SHA-256 of every file. The directory is built at a temporary path
// and renamed into place; opening it checks every file against the manifest before anything is used.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdrankError } from '../core/errors.js';
import { produceAtomic } from '../core/atomic-write.js';
import type { IndexKind } from './config.js';

export const MANIFEST = 'manifest.json';
const FORMAT = 'adrank-index';
const VERSION = 1;

export interface IndexHeader {
  kind: IndexKind;
  size: number; // N
  dim: number; //  D
  params: Record<string, number>;
}

interface FileEntry {
  bytes: number;
  sha256: string;
}

export interface IndexManifest extends IndexHeader {
  format: typeof FORMAT;
  version: typeof VERSION;
  files: Record<string, FileEntry>;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Write an index directory: `writeFiles(tmpDir)` creates the files and returns their names. */
export async function saveArtifact(dir: string, header: IndexHeader, writeFiles: (tmpDir: string) => Promise<string[]>): Promise<void> {
  await produceAtomic(dir, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    const files: Record<string, FileEntry> = {};
    for (const name of await writeFiles(tmp)) {
      const path = join(tmp, name);
      files[name] = { bytes: (await stat(path)).size, sha256: await sha256Of(path) };
    }
    const manifest: IndexManifest = { format: FORMAT, version: VERSION, ...header, files };
    await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  });
}

/** Write each typed array as a file of its raw bytes (little-endian, as every supported platform is). */
export async function writeArrays(dir: string, arrays: Record<string, Float32Array | Int32Array>): Promise<string[]> {
  for (const [name, array] of Object.entries(arrays)) {
    await writeFile(join(dir, name), new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }
  return Object.keys(arrays);
}

function bad(file: string, message: string, field?: string): never {
  throw new AdrankError('BAD_ARTIFACT', message, {
    location: { file, field },
    hint: 'the index directory is damaged or was written by another version: rebuild it from the ad vectors',
  });
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function checkManifest(value: unknown, file: string): IndexManifest {
  if (typeof value !== 'object' || value === null) bad(file, 'the index manifest is not an object');
  const m = value as Record<string, unknown>;
  if (m.format !== FORMAT || m.version !== VERSION) bad(file, `not an ${FORMAT} version ${VERSION} manifest`, 'format');
  if (m.kind !== 'exact' && m.kind !== 'ivf' && m.kind !== 'hnsw') bad(file, `unknown index kind ${JSON.stringify(m.kind)}`, 'kind');
  if (!isCount(m.size) || !isCount(m.dim)) bad(file, 'size and dim must be positive integers', 'size');
  const params = m.params as Record<string, unknown>;
  if (typeof params !== 'object' || params === null || Object.values(params).some((p) => typeof p !== 'number')) {
    bad(file, 'params must map names to numbers', 'params');
  }
  const files = m.files as Record<string, Record<string, unknown>>;
  if (typeof files !== 'object' || files === null) bad(file, 'files must be an object', 'files');
  for (const [name, entry] of Object.entries(files)) {
    const ok = typeof entry === 'object' && entry !== null && typeof entry.bytes === 'number' && typeof entry.sha256 === 'string';
    if (!ok || name.includes('/') || name.includes('\\') || name.startsWith('.')) bad(file, `bad file entry ${JSON.stringify(name)}`, 'files');
  }
  return value as IndexManifest;
}

export interface OpenedArtifact {
  manifest: IndexManifest;
  path(name: string): string;
  /** The contents of a listed file as a typed array of exactly `length` elements. */
  float32(name: string, length: number): Promise<Float32Array>;
  int32(name: string, length: number): Promise<Int32Array>;
}

/** Open an index directory: read the manifest and check every file's length and SHA-256 against it. */
export async function openArtifact(dir: string): Promise<OpenedArtifact> {
  const manifestPath = join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    throw new AdrankError('FILE_NOT_FOUND', `no index at ${dir}`, { location: { file: manifestPath }, hint: 'build and save an index there first' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    bad(manifestPath, 'the index manifest is not valid JSON');
  }
  const manifest = checkManifest(parsed, manifestPath);
  for (const [name, entry] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    const bytes = await stat(path).then((s) => s.size, () => -1);
    if (bytes !== entry.bytes) bad(path, `index file ${name} has ${bytes < 0 ? 'gone missing' : `${bytes} bytes, expected ${entry.bytes}`}`);
    if ((await sha256Of(path)) !== entry.sha256) bad(path, `index file ${name} does not match its checksum`);
  }
  const read = async (name: string, length: number, width: number): Promise<Uint8Array> => {
    const path = join(dir, name);
    if (!(name in manifest.files)) bad(manifestPath, `the manifest lists no ${name}`, 'files');
    if (manifest.files[name].bytes !== length * width) bad(path, `index file ${name} holds ${manifest.files[name].bytes} bytes, expected ${length * width}`);
    const buffer = await readFile(path);
    // typed-array views need an aligned offset; small reads may come from a shared pool
    return buffer.byteOffset % width === 0 ? buffer : new Uint8Array(buffer);
  };
  return {
    manifest,
    path: (name) => join(dir, name),
    float32: async (name, length) => {
      const b = await read(name, length, 4);
      return new Float32Array(b.buffer, b.byteOffset, length);
    },
    int32: async (name, length) => {
      const b = await read(name, length, 4);
      return new Int32Array(b.buffer, b.byteOffset, length);
    },
  };
}
