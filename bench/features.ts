// Feature build speed: aggregates + the joined feature tables (training and held-out logs), FeatureMap fit,
// and encoding the training rows into typed arrays. One mode per process, so peak memory is per mode.
// Run: npm run bench:features [-- MODE [DIR]]   (default: both modes on the large preset, 10M events)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import type { FeatureMode } from '../src/features/aggregates.js';
import { encodeTable } from '../src/features/encoder.js';
import { buildFeatures } from '../src/features/pipeline.js';
import { peakRssMb, report, round, timed } from './measure.js';
import { benchWorld } from './worlds.js';

const mode = process.argv[2] as FeatureMode | undefined;
if (mode === undefined) {
  const dir = await benchWorld('large');
  for (const m of ['point-in-time', 'snapshot']) {
    spawnSync(process.execPath, [fileURLToPath(import.meta.url), m, dir], { stdio: 'inherit' });
  }
} else {
  const dir = process.argv[3] ?? (await benchWorld('large'));
  const load = await timed(() => loadData(resolveSources(dir)));
  const data = load.result;
  const build = await timed(() => buildFeatures(data, { mode, ctrPriorStrength: 0 }));
  const encode = await timed(() => encodeTable(data.db, build.result.tables.train, build.result.featureMap));
  report({
    bench: 'features',
    mode,
    events: data.counts.events,
    testEvents: data.counts.testEvents,
    loadSeconds: round(load.seconds, 1),
    buildSeconds: round(build.seconds, 1),
    encodeSeconds: round(encode.seconds, 1),
    encodedRowsPerSec: Math.round(encode.result.n / encode.seconds),
    peakRssMb: peakRssMb(),
  });
  data.db.close();
}
