// Ingestion speed: loading and validating a world (catalogues, training and held-out logs) into DuckDB.
// Run: npm run bench:ingest [-- DIR]   (default: generates the large preset, 10M events, into a temp dir)
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { worldSpec } from '../src/data/generate/presets.js';
import { writeWorld } from '../src/data/generate/write-world.js';
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { peakRssMb, report, round, timed } from './measure.js';

const dir = process.argv[2] ?? join(tmpdir(), 'adrank-bench-large');
if (!existsSync(join(dir, 'event_log.csv')) && !existsSync(join(dir, 'event_log.parquet'))) {
  process.stderr.write(`generating the large world into ${dir} …\n`);
  await writeWorld(worldSpec('large', 42), dir, 'csv');
}
const rssBefore = peakRssMb();
const { result: data, seconds } = await timed(() => loadData(resolveSources(dir)));
const rows = data.counts.users + data.counts.ads + data.counts.events + data.counts.testEvents;
report({
  bench: 'ingest',
  dir,
  format: data.sources.event_log.format,
  events: data.counts.events,
  testEvents: data.counts.testEvents,
  users: data.counts.users,
  ads: data.counts.ads,
  seconds: round(seconds, 1),
  rowsPerSec: Math.round(rows / seconds),
  peakRssMb: peakRssMb(),
  peakRssMbBeforeLoad: rssBefore,
});
data.db.close();
