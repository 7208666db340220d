// Ingestion speed: loading and validating a world (catalogues, training and held-out logs) into DuckDB.
// Run: npm run bench:ingest [-- DIR] [-- --rounds N]   (default: the large preset, 10M training events, generated once)
//      npm run bench:ingest -- --malformed            (files with very long malformed rows, validated in skip mode)
// With several rounds, the last line gives the median and the best round. cpuSeconds (all threads, DuckDB's
// included) is less sensitive than wall-clock seconds to other work on the machine.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadData, type OnBadRow } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { peakRssMb, percentile, report, round, timed } from './measure.js';
import { benchWorld } from './worlds.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] ?? '' : undefined;
};
const rounds = Number(flag('--rounds') ?? 1);
const malformed = args.includes('--malformed');

async function loadOnce(dir: string, onBadRow: OnBadRow): Promise<{ seconds: number; cpuSeconds: number; rows: number; malformedRows: number; format: string }> {
  const cpu = process.cpuUsage();
  const { result: data, seconds } = await timed(() => loadData(resolveSources(dir), { onBadRow }));
  const used = process.cpuUsage(cpu);
  const rows = data.counts.users + data.counts.ads + data.counts.events + data.counts.testEvents;
  data.db.close();
  const malformedRows = data.report.issues.filter((i) => i.code === 'MALFORMED_ROW').reduce((n, i) => n + i.count, 0);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, rows, malformedRows, format: data.sources.event_log.format };
}

async function wellFormed(): Promise<void> {
  const dir = args.find((a) => !a.startsWith('--')) ?? (await benchWorld('large'));
  const seconds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const run = await loadOnce(dir, 'fail');
    seconds.push(run.seconds);
    report({ bench: 'ingest', dir, format: run.format, round: r + 1, rows: run.rows, seconds: round(run.seconds, 1), cpuSeconds: round(run.cpuSeconds, 1), rowsPerSec: Math.round(run.rows / run.seconds), peakRssMb: peakRssMb() });
  }
  if (rounds > 1) report({ bench: 'ingest', rounds, medianSeconds: round(percentile(seconds, 50), 1), bestSeconds: round(Math.min(...seconds), 1), peakRssMb: peakRssMb() });
}

/** A copy of world `from` whose `file` has `rows` rows with `surplus` extra fields each. */
function withLongRows(from: string, to: string, file: string, rows: number, surplus: number): string {
  cpSync(from, to, { recursive: true });
  const lines = readFileSync(join(to, file), 'utf8').replace(/\n$/, '').split('\n');
  const tail = ',x'.repeat(surplus);
  const step = Math.max(1, Math.floor((lines.length - 1) / rows));
  for (let k = 0, i = 1; k < rows && i < lines.length; k++, i += step) lines[i] += tail;
  writeFileSync(join(to, file), lines.join('\n') + '\n');
  return to;
}

async function longMalformedRows(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'adrank-bench-malformed-'));
  try {
    const seed = await benchWorld('seed');
    const small = await benchWorld('small');
    const cases = [
      { name: 'one row with 1M surplus fields (2 MB), seed world', dir: withLongRows(seed, join(root, 'one'), 'user_catalog.csv', 1, 1_000_000) },
      { name: '1,000 rows with 1,000 surplus fields each, small world', dir: withLongRows(small, join(root, 'many'), 'event_log.csv', 1000, 1000) },
    ];
    for (const c of cases) {
      for (let r = 0; r < rounds; r++) {
        const run = await loadOnce(c.dir, 'skip');
        report({ bench: 'ingest-malformed', case: c.name, round: r + 1, rowsKept: run.rows, malformedRowsReported: run.malformedRows, seconds: round(run.seconds, 2), peakRssMb: peakRssMb() });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await (malformed ? longMalformedRows() : wellFormed());
