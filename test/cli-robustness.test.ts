// The CLI as a user runs it (the built binary in a child process) on bad paths, bad data and closed pipes.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setField, tempDir } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();
let world: string;
let badWorld: string;

function adrank(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (text: string): void => expect(text).not.toMatch(/\n\s+at |EPIPE|Error:/);

beforeAll(() => {
  world = join(root, 'world');
  badWorld = join(root, 'bad-world');
  expect(adrank('generate', '--out', world).code).toBe(0);
  expect(adrank('generate', '--out', badWorld).code).toBe(0);
  setField(join(badWorld, 'ad_catalog.csv'), 4, 'bid', '-1');
  setField(join(badWorld, 'event_log.csv'), 9, 'hour', '77');
});

describe('outputs that exist', () => {
  it('features --out refuses a directory and leaves everything in it', () => {
    mkdirSync(join(root, 'out.csv', 'sub'), { recursive: true });
    writeFileSync(join(root, 'out.csv', 'sub', 'keep.txt'), 'x');
    const r = adrank('features', '--data', world, '--out', join(root, 'out.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`[BAD_ARGUMENT] cannot write there: ${join(root, 'out.csv')} is a directory`);
    expect(readFileSync(join(root, 'out.csv', 'sub', 'keep.txt'), 'utf8')).toBe('x');
  });

  it('features --out refuses to overwrite one of its own inputs', () => {
    const copy = join(root, 'own-input');
    expect(adrank('generate', '--out', copy).code).toBe(0);
    const before = readFileSync(join(copy, 'event_log.csv'), 'utf8');
    const r = adrank('features', '--data', copy, '--out', join(copy, 'event_log.csv'));
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('is the event_log being read')]);
    expect(readFileSync(join(copy, 'event_log.csv'), 'utf8')).toBe(before);
  });

  it('features --out replaces a file, and --run writes twice into the same run', () => {
    const out = join(root, 'table.csv');
    writeFileSync(out, 'old');
    const run = join(root, 'run');
    expect(adrank('features', '--data', world, '--out', out, '--run', run).code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^user_id,ad_id,/);
    const again = adrank('features', '--data', world, '--run', run);
    expect(again.code, again.stderr).toBe(0);
  });

  it('generate --out FILE and features --run FILE: exit 2, the path named, no stack trace', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    for (const r of [adrank('generate', '--out', file), adrank('features', '--data', world, '--run', file), adrank('generate', '--out', join(file, 'below'))]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(file);
      noStack(r.stderr);
    }
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('generate replaces a world it wrote, and refuses a folder of other files', () => {
    const dir = join(root, 'D');
    expect(adrank('generate', '--seed', '1', '--out', dir).code).toBe(0);
    expect(adrank('generate', '--seed', '2', '--format', 'parquet', '--out', dir).code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
    const inspect = adrank('inspect', dir);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain(join(dir, 'event_log.parquet'));
    const mine = join(root, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'x');
    const refused = adrank('generate', '--out', mine);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('thesis.tex')]);
    expect(readdirSync(mine)).toEqual(['thesis.tex']);
  });
});

describe('arguments checked before the work', () => {
  it('a bad --out extension or --split test without a held-out log fails before the data is read', () => {
    const ext = adrank('features', '--data', badWorld, '--out', join(root, 'table.txt'));
    expect([ext.code, ext.stderr]).toEqual([2, expect.stringContaining('cannot tell the format')]);
    expect(ext.stderr).not.toContain('BAD_BID');
    const noTest = join(root, 'no-test');
    expect(adrank('generate', '--out', noTest).code).toBe(0);
    setField(join(noTest, 'ad_catalog.csv'), 4, 'bid', '-1');
    rmSync(join(noTest, 'test_event_log.csv'));
    const split = adrank('features', '--data', noTest, '--out', join(root, 'test.csv'), '--split', 'test');
    expect([split.code, split.stderr]).toEqual([2, expect.stringContaining('no held-out log to export')]);
    expect(split.stderr).not.toContain('BAD_BID');
  });

  it('integers beyond 2^53 are refused, not rounded', () => {
    const r = adrank('generate', '--out', join(root, 'big-seed'), '--seed', '9007199254740993');
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('--seed must be an integer from 0 to 9007199254740991, got "9007199254740993" (too large to be exact)')]);
    expect(existsSync(join(root, 'big-seed'))).toBe(false);
  });
});

describe('reading data', () => {
  it('a table both as CSV and as Parquet is refused unless --format says which', () => {
    const dir = join(root, 'both');
    expect(adrank('generate', '--out', dir).code).toBe(0);
    writeFileSync(join(dir, 'event_log.parquet'), 'stale');
    const r = adrank('inspect', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(dir, 'event_log.csv'));
    expect(r.stderr).toContain(join(dir, 'event_log.parquet'));
    const csv = adrank('inspect', dir, '--format', 'csv');
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toContain(`event_log       ${join(dir, 'event_log.csv')} (csv, 500 rows)`);
  });

  it('--on-bad-row skip prints what it dropped; fail reports every table', () => {
    const skip = adrank('features', '--data', badWorld, '--run', join(root, 'run-skip'), '--on-bad-row', 'skip');
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stdout).toMatch(/dropped \d+ rows with problems/);
    expect(skip.stdout).toContain('[BAD_BID] ad_catalog column bid: bid must be a finite number > 0 × 1 (row 4: "-1")');
    expect(skip.stdout).toContain('[OUT_OF_RANGE] event_log column hour');
    const fail = adrank('features', '--data', badWorld, '--run', join(root, 'run-fail'));
    expect(fail.code).toBe(2);
    expect(fail.stdout).toContain('ad_catalog column bid');
    expect(fail.stdout).toContain('event_log column hour');
    expect(fail.stderr).toContain('in 2 tables');
  });

  it('adrank --version prints the version', () => {
    const r = adrank('--version');
    expect([r.code, r.stdout]).toEqual([0, `adrank ${JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version}\n`]);
  });
});

describe('output streams', () => {
  it('a closed stdout ends the command quietly', async () => {
    const child = spawn(process.execPath, [BIN, 'inspect', world], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader goes away before anything is written, like `| head -0`
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('a stdout that cannot be written (a full disk) is an error, not a truncated success', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, 'inspect', world], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('[IO_ERROR] cannot write stdout: no space left on the device (ENOSPC)');
    } finally {
      closeSync(full);
    }
  });
});
