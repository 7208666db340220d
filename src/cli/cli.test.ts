// The shared command-line machinery, run in-process with commands that meet real file-system errors.
import { writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { writeCsv } from '../data/csv-writer.js';
import { Db } from '../data/duckdb.js';
import { runCli, type CliIo } from './cli.js';
import type { Command } from './command.js';

const root = tempDir();

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[]): CliIo['stdout'] => ({ write: (t) => void sink.push(t), open: true, failure: undefined, flush: async () => {} });
  return { out, err, stdout: stream(out), stderr: stream(err), interactive: false };
}

const command = (name: string, run: () => Promise<unknown>): Command => ({ name, summary: `${name}.`, options: [], positionals: [], run });

async function run(cmd: Command, ...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = capture();
  const code = await runCli([cmd.name, ...flags], io, [cmd]);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}

describe('errors of the environment', () => {
  it('a directory needed where a file is: exit 2 and a message naming the path, no stack trace', async () => {
    const file = join(root, 'plain-file');
    writeFileSync(file, 'x');
    const r = await run(command('mkdir', () => mkdir(join(file, 'sub'), { recursive: true })));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^adrank: \[BAD_ARGUMENT\] cannot mkdir .*plain-file.*\((ENOTDIR|EEXIST)\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an existing file where a folder is created: EEXIST is bad input', async () => {
    const file = join(root, 'exists');
    writeFileSync(file, 'x');
    const r = await run(command('mkdir', () => mkdir(file)), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT', file } });
  });

  it('a full disk, from Node and from DuckDB, is an IO_ERROR naming the file', async () => {
    const node = await run(command('write', async () => writeCsv('/dev/full', ['a'], 10_000, (i) => String(i))));
    expect([node.code, node.stderr]).toEqual([2, expect.stringContaining('[IO_ERROR] cannot write /dev/full: no space left on the device (ENOSPC)')]);
    const duck = await run(command('copy', async () => {
      const db = await Db.open();
      try {
        await db.run(`COPY (SELECT 1 AS a) TO '/dev/full' (FORMAT csv)`);
      } finally {
        db.close();
      }
    }));
    expect([duck.code, duck.stderr]).toEqual([2, expect.stringContaining('[IO_ERROR] Could not write file "/dev/full"')]);
  });

  it('a permission problem is bad input', async () => {
    // /sys/kernel/notes is read-only even for root
    const r = await run(command('open', () => writeFile('/sys/kernel/notes', 'x')));
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('cannot open /sys/kernel/notes: permission denied (EACCES)')]);
  });

  it('a bug stays an internal error with exit code 1', async () => {
    const r = await run(command('bug', async () => {
      throw new Error('unexpected state');
    }));
    expect([r.code, r.stderr]).toEqual([1, expect.stringContaining('internal error: Error: unexpected state')]);
  });
});

describe('--version', () => {
  it('prints the package version', async () => {
    const io = capture();
    expect(await runCli(['--version'], io, [])).toBe(0);
    expect(io.out.join('')).toMatch(/^adrank \d+\.\d+\.\d+\n$/);
  });
});
