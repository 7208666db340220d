import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { ARTIFACT_MARKER, checkOutputPath, produceAtomic, writeFileAtomic } from './atomic-write.js';

const root = tempDir();
let cases = 0;
const fresh = (): string => {
  const dir = join(root, `case-${cases++}`);
  mkdirSync(dir);
  return dir;
};

const writeDir = (files: Record<string, string>) => async (tmp: string): Promise<void> => {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(tmp, name, '..'), { recursive: true });
    await writeFile(join(tmp, name), text);
  }
};
const writeFileTo = (text: string) => (tmp: string): Promise<void> => writeFile(tmp, text);
const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => f.includes('.tmp-'));

describe('produceAtomic', () => {
  it('replaces a file with a file', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'out.csv'), 'old');
    await produceAtomic(join(dir, 'out.csv'), writeFileTo('new'));
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe('new');
    expect(leftovers(dir)).toEqual([]);
  });

  it('never deletes a directory where a file goes', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'out.csv', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'out.csv', 'sub', 'keep.txt'), 'x');
    await expect(produceAtomic(join(dir, 'out.csv'), writeFileTo('new'))).rejects.toMatchObject({ code: 'BAD_ARGUMENT', location: { file: join(dir, 'out.csv') } });
    expect(readFileSync(join(dir, 'out.csv', 'sub', 'keep.txt'), 'utf8')).toBe('x');
    await expect(writeFileAtomic(join(dir, 'out.csv'), 'new')).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(leftovers(dir)).toEqual([]);
  });

  it('replaces a directory it wrote, old files included, and marks what it writes', async () => {
    const dir = fresh();
    const target = join(dir, 'online');
    await produceAtomic(target, writeDir({ 'a.parquet': '1', 'sub/b.json': '2' }));
    expect(JSON.parse(readFileSync(join(target, ARTIFACT_MARKER), 'utf8'))).toEqual({ writer: 'adrank', files: ['a.parquet', 'sub/b.json'] });
    await produceAtomic(target, writeDir({ 'c.parquet': '3' }));
    expect(readdirSync(target).sort()).toEqual([ARTIFACT_MARKER, 'c.parquet']);
    expect(leftovers(dir)).toEqual([]);
  });

  it('replaces an empty directory, or one whose files the new artifact all rewrites', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'empty'));
    await produceAtomic(join(dir, 'empty'), writeDir({ 'a.txt': 'new' }));
    expect(readFileSync(join(dir, 'empty', 'a.txt'), 'utf8')).toBe('new');
    mkdirSync(join(dir, 'unmarked'));
    writeFileSync(join(dir, 'unmarked', 'a.txt'), 'old');
    await produceAtomic(join(dir, 'unmarked'), writeDir({ 'a.txt': 'new', 'b.txt': 'new' }));
    expect(readFileSync(join(dir, 'unmarked', 'a.txt'), 'utf8')).toBe('new');
  });

  it('refuses a directory holding files it did not write, and leaves them alone', async () => {
    const dir = fresh();
    const target = join(dir, 'online');
    await produceAtomic(target, writeDir({ 'a.parquet': '1' }));
    writeFileSync(join(target, 'notes.txt'), 'mine');
    await expect(produceAtomic(target, writeDir({ 'a.parquet': '2' }))).rejects.toMatchObject({
      code: 'BAD_ARGUMENT', message: expect.stringContaining(join(target, 'notes.txt')),
    });
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readFileSync(join(target, 'a.parquet'), 'utf8')).toBe('1');
    expect(leftovers(dir)).toEqual([]);
  });

  it('refuses a file where a directory goes, links and FIFOs', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'file'), 'x');
    await expect(produceAtomic(join(dir, 'file'), writeDir({ 'a.txt': '1' }))).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('is a file') });
    symlinkSync(join(dir, 'file'), join(dir, 'link'));
    await expect(produceAtomic(join(dir, 'link'), writeFileTo('new'))).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('symbolic link') });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expect(produceAtomic(join(dir, 'fifo'), writeFileTo('new'))).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('x');
  });

  it('leaves the previous version when producing fails', async () => {
    const dir = fresh();
    const target = join(dir, 'online');
    await produceAtomic(target, writeDir({ 'a.txt': 'old' }));
    const failing = produceAtomic(target, async (tmp) => {
      await writeDir({ 'a.txt': 'half' })(tmp);
      throw new Error('interrupted');
    });
    await expect(failing).rejects.toThrow('interrupted');
    expect(readFileSync(join(target, 'a.txt'), 'utf8')).toBe('old');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('checkOutputPath', () => {
  it('accepts new paths under folders that do not exist yet', async () => {
    const dir = fresh();
    await checkOutputPath(join(dir, 'a', 'b', 'out.csv'), 'file');
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('refuses a path below a file', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'file'), 'x');
    await expect(checkOutputPath(join(dir, 'file', 'run', 'online'), 'directory')).rejects.toMatchObject({
      code: 'BAD_ARGUMENT', message: expect.stringContaining(`${join(dir, 'file')} is not a directory`),
    });
  });

  it('knows the files a directory artifact will hold', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'world'));
    writeFileSync(join(dir, 'world', 'event_log.csv'), 'old');
    await checkOutputPath(join(dir, 'world'), 'directory', ['event_log.csv']);
    await expect(checkOutputPath(join(dir, 'world'), 'directory', ['event_log.parquet'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
