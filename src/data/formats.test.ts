import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorld, tempDir } from '../../test/helpers.js';
import { loadData } from './load.js';
import { resolveSources } from './sources.js';

const root = tempDir();

async function dump(dir: string): Promise<Record<string, unknown[]>> {
  const data = await loadData(resolveSources(dir));
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of ['user_catalog', 'ad_catalog', 'event_log', 'test_event_log']) {
      out[t] = await data.db.rows(`SELECT * FROM ${t} ORDER BY 1`);
    }
    return out;
  } finally {
    data.db.close();
  }
}

describe('CSV and Parquet', () => {
  it('load to identical tables', async () => {
    const csv = await makeWorld(join(root, 'csv'), 'seed', 5, 'csv');
    const parquet = await makeWorld(join(root, 'parquet'), 'seed', 5, 'parquet');
    expect(resolveSources(parquet).event_log.format).toBe('parquet');
    const a = await dump(csv);
    const b = await dump(parquet);
    expect(b.event_log).toHaveLength(500);
    expect(b).toEqual(a);
  });

  it('explicit paths override the directory and may mix formats', async () => {
    const csv = join(root, 'csv');
    const parquet = join(root, 'parquet');
    const sources = resolveSources(csv, { event_log: join(parquet, 'event_log.parquet') });
    expect(sources.event_log.format).toBe('parquet');
    expect(sources.ad_catalog.format).toBe('csv');
    const data = await loadData(sources);
    data.db.close();
    expect(data.counts.events).toBe(500);
  });
});
