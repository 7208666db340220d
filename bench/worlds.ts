// Benchmarks share generated worlds: made once per preset in the temp directory and reused.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { worldSpec } from '../src/data/generate/presets.js';
import { writeWorld } from '../src/data/generate/write-world.js';

export async function benchWorld(preset: string): Promise<string> {
  const dir = join(tmpdir(), `adrank-bench-${preset}`);
  if (!existsSync(join(dir, 'truth', 'world.json'))) {
    process.stderr.write(`generating the ${preset} world into ${dir} …\n`);
    await writeWorld(worldSpec(preset, 42), dir, 'csv');
  }
  return dir;
}
