// The CLI as a user runs it: the built binary in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setField, tempDir } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();

function adrank(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('adrank CLI', () => {
  it('lists its commands and has --help on every command', () => {
    const top = adrank('--help');
    expect(top.code).toBe(0);
    for (const command of ['generate', 'inspect', 'demo']) {
      expect(top.stdout).toContain(command);
      const help = adrank(command, '--help');
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain(`usage: adrank ${command}`);
      expect(help.stdout).toContain('--json');
    }
  });

  it('generates and inspects a world, with JSON summaries for scripts', () => {
    const dir = join(root, 'seed');
    const gen = adrank('generate', '--preset', 'seed', '--out', dir, '--seed', '3', '--json');
    expect(gen.code, gen.stderr).toBe(0);
    expect(JSON.parse(gen.stdout)).toMatchObject({ ok: true, command: 'generate', users: 10, ads: 20, events: 500 });
    expect(gen.stderr).toBe(''); // no progress bars when stderr is not a terminal

    const inspect = adrank('inspect', dir, '--json');
    expect(inspect.code, inspect.stderr).toBe(0);
    const summary = JSON.parse(inspect.stdout);
    expect(summary.validation.ok).toBe(true);
    expect(summary.stats.counts).toEqual({ users: 10, ads: 20, events: 500, testEvents: 400 });
    expect(summary.stats.vocabularies.category.distinct).toBe(3);

    const human = adrank('inspect', dir);
    expect(human.stdout).toContain('training: CTR');
    expect(human.stdout).toContain('validation: no problems');
  });

  it('exits with 2 and a clear message on bad input', () => {
    const dir = join(root, 'bad');
    expect(adrank('generate', '--preset', 'seed', '--out', dir).code).toBe(0);
    setField(join(dir, 'ad_catalog.csv'), 3, 'bid', '-2');
    const r = adrank('inspect', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[BAD_BID]');
    expect(r.stderr).toContain('row 3');
    expect(r.stderr).toContain('hint:');
    const json = JSON.parse(adrank('inspect', dir, '--json').stdout);
    expect(json).toMatchObject({ ok: false, error: { code: 'BAD_BID', row: 3, column: 'bid', value: '-2' } });

    const skipped = JSON.parse(adrank('inspect', dir, '--on-bad-row', 'skip', '--json').stdout);
    expect(skipped.stats.counts.ads).toBe(19);
    expect(skipped.validation.issues[0]).toMatchObject({ code: 'BAD_BID', count: 1 });
  });

  it('rejects unknown commands, options and bad option values with exit code 2', () => {
    expect(adrank('frobnicate').code).toBe(2);
    const unknown = adrank('generate', '--out', root, '--colour', 'red');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --colour');
    const badValue = adrank('generate', '--out', root, '--events', 'many');
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('--events must be an integer');
    expect(adrank('generate', '--preset', 'enormous', '--out', root).code).toBe(2);
    expect(adrank('generate').stderr).toContain('--out is required');
    expect(adrank('inspect', join(root, 'nowhere')).stderr).toContain('[FILE_NOT_FOUND]');
  });
});

describe('adrank demo (npm start)', () => {
  it('trains the seed world with the seed preset and the small world with the default preset, and reports both', () => {
    const out = join(root, 'demo');
    const r = adrank('demo', '--out', out, '--json', '--no-screenshot');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    for (const world of ['seed', 'small']) {
      const m = summary[world].metrics;
      const model = m.ctr.results.find((x: { role: string }) => x.role === 'model');
      const constant = m.ctr.results.find((x: { name: string }) => x.name.startsWith('constant'));
      const oracle = m.ctr.results.find((x: { role: string }) => x.role === 'oracle');
      expect(model.metrics.auc, world).toBeGreaterThan(constant.metrics.auc + 0.05);
      expect(model.metrics.auc).toBeLessThan(oracle.metrics.auc + 0.05);
      expect(existsSync(join(out, world, 'run', 'report.html'))).toBe(true);
    }
    expect(summary.seed.metrics.examples.users.map((u: { userId: number }) => u.userId)).toEqual([1, 4, 7]);
    // and ends by ranking the blog's users through the request path
    for (const userId of [1, 4, 7]) {
      const answer = summary.ranked[userId];
      expect(answer.userKnown).toBe(true);
      expect(answer.ads).toHaveLength(5);
      const scores = answer.ads.map((a: { score: number }) => a.score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
      for (const a of answer.ads) expect(a.score).toBeCloseTo(a.bid * a.pctr * a.pcvr, 9);
    }
  });
});
