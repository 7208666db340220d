// Ingestion speed: loading and validating a world (catalogues, training and held-out logs) into DuckDB.
// Run: npm run bench:ingest [-- DIR]   (default: the large preset, 10M training events, generated once)
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { peakRssMb, report, round, timed } from './measure.js';
import { benchWorld } from './worlds.js';

const dir = process.argv[2] ?? (await benchWorld('large'));
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
