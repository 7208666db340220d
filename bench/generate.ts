// Generation speed of a synthetic world: events per second and peak memory.
// Run: npm run bench:generate [-- PRESET [OUT_DIR]]   (default: the large preset, 10M events)
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { worldSpec } from '../src/data/generate/presets.js';
import { writeWorld } from '../src/data/generate/write-world.js';
import { peakRssMb, report, round, timed } from './measure.js';

const preset = process.argv[2] ?? 'large';
const out = process.argv[3] ?? join(tmpdir(), `adrank-bench-generate-${preset}`);
const keep = process.argv[3] !== undefined;

const spec = worldSpec(preset, 42);
const { result, seconds } = await timed(() => writeWorld(spec, out, 'csv'));
report({
  bench: 'generate',
  preset,
  users: result.users,
  ads: result.ads,
  events: result.events,
  testEvents: result.testEvents,
  seconds: round(seconds, 1),
  eventsPerSec: Math.round((result.events + result.testEvents) / seconds),
  peakRssMb: peakRssMb(),
});
if (!keep) rmSync(out, { recursive: true, force: true });
