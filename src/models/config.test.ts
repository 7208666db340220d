// Model configs are validated once: unknown keys and bad values fail with the path of the field, and the
// result is frozen.
import { describe, expect, test } from 'vitest';
import { isAdrankError } from '../core/errors.js';
import { parseCtrConfig, SEED_CTR_CONFIG } from './ctr-model.js';
import { parseTwoTowerConfig, SEED_TWO_TOWER_CONFIG } from './two-tower.js';

function failure(f: () => unknown): { code: string; field: string | undefined } {
  try {
    f();
  } catch (e) {
    if (isAdrankError(e)) return { code: e.code, field: e.location.field };
    throw e;
  }
  throw new Error('expected a failure');
}

const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('model configs', () => {
  test('the seed configs round-trip through JSON and come back frozen', () => {
    const ctr = parseCtrConfig(plain(SEED_CTR_CONFIG));
    expect(ctr).toEqual(SEED_CTR_CONFIG);
    expect(Object.isFrozen(ctr) && Object.isFrozen(ctr.fields[0])).toBe(true);
    expect(parseTwoTowerConfig(plain(SEED_TWO_TOWER_CONFIG))).toEqual(SEED_TWO_TOWER_CONFIG);
  });

  test('an unknown key fails with its path', () => {
    expect(failure(() => parseCtrConfig({ ...plain(SEED_CTR_CONFIG), crossingLayers: 2 }))).toEqual({ code: 'BAD_CONFIG', field: 'ctr.crossingLayers' });
    const tower = plain(SEED_TWO_TOWER_CONFIG);
    (tower.ad as unknown as Record<string, unknown>).dropout = 0.1;
    expect(failure(() => parseTwoTowerConfig(tower))).toEqual({ code: 'BAD_CONFIG', field: 'twoTower.ad.dropout' });
  });

  test('bad values fail with their path', () => {
    const fields = plain(SEED_CTR_CONFIG.fields).map((f, i) => (i === 3 ? { ...f, cardinality: 0 } : f));
    expect(failure(() => parseCtrConfig({ ...plain(SEED_CTR_CONFIG), fields }))).toEqual({ code: 'BAD_CONFIG', field: 'ctr.fields[3].cardinality' });
    expect(failure(() => parseCtrConfig({ ...plain(SEED_CTR_CONFIG), dropout: 1 }))).toEqual({ code: 'BAD_CONFIG', field: 'ctr.dropout' });
    expect(failure(() => parseCtrConfig({ ...plain(SEED_CTR_CONFIG), hidden: '128-64-1' }))).toEqual({ code: 'BAD_CONFIG', field: 'ctr.hidden' });
    const { embeddingDim: _, ...missing } = plain(SEED_CTR_CONFIG);
    expect(failure(() => parseCtrConfig(missing))).toEqual({ code: 'BAD_CONFIG', field: 'ctr.embeddingDim' });
  });
});
