import { describe, expect, it } from 'vitest';
import type { BinaryMetrics } from '../eval/metrics.js';
import { decideGate, DEFAULT_GATE, parseGateConfig, type SliceMetrics } from './gate.js';

function metrics(ctr: Partial<BinaryMetrics>, cvr: Partial<BinaryMetrics> = {}): SliceMetrics {
  const base: BinaryMetrics = { rows: 5000, positives: 150, auc: 0.7, logLoss: 0.13, normalizedEntropy: 0.9, ece: 0.001, eceEqualMass: 0.001, calibrationRatio: 1, meanPrediction: 0.03, observedRate: 0.03 };
  return { ctr: { ...base, ...ctr }, cvr: { ...base, auc: 0.6, ...cvr } };
}

describe('decideGate', () => {
  it('passes a challenger as good as the champion, and names each failed check with both values', () => {
    expect(decideGate(DEFAULT_GATE, metrics({}), metrics({})).passed).toBe(true);
    const d = decideGate(DEFAULT_GATE, metrics({ auc: 0.69, ece: 0.004 }), metrics({}));
    expect(d.passed).toBe(false);
    expect(d.failures).toEqual([
      'ctr.ece: challenger 0.0040, champion 0.0010 — required ≤ 0.003, or closer to it than a champion that fails it',
      'ctr.auc: challenger 0.6900, champion 0.7000 — required ≥ champion − 0.002 = 0.6980',
    ]);
  });

  it('lets a challenger closer to a value threshold than a champion that fails it pass that check, and only then', () => {
    // the drifted champion is far off calibration; the challenger is off too, but less
    const better = decideGate(DEFAULT_GATE, metrics({ ece: 0.02, calibrationRatio: 0.9 }), metrics({ ece: 0.08, calibrationRatio: 0.7 }));
    expect(better.failures).toEqual([]);
    // worse than a failing champion, or failing where the champion passes: refused
    const worse = decideGate(DEFAULT_GATE, metrics({ ece: 0.09, calibrationRatio: 1.2 }), metrics({ ece: 0.08, calibrationRatio: 1.01 }));
    expect(worse.failures.map((f) => f.split(':')[0])).toEqual(['ctr.ece', 'ctr.calibration_ratio']);
    // with no champion the threshold is absolute
    expect(decideGate(DEFAULT_GATE, metrics({ ece: 0.02 }), null).failures.map((f) => f.split(':')[0])).toEqual(['ctr.ece']);
  });

  it('refuses a NaN metric and a slice below minRows', () => {
    expect(decideGate(DEFAULT_GATE, metrics({}, { auc: NaN }), metrics({})).failures[0]).toMatch(/^cvr\.auc: challenger NaN/);
    expect(() => decideGate(parseGateConfig({ minRows: 10_000 }), metrics({}), metrics({}))).toThrow(/fewer than the gate's minRows 10000/);
  });

  it('reads a gate file strictly: unknown keys and bad ranges fail with their path', () => {
    expect(parseGateConfig({ ctr: { eceMax: null } }).ctr.eceMax).toBeNull();
    expect(() => parseGateConfig({ ctr: { aucDrop: 0.1 } })).toThrow(/gate\.ctr/);
    expect(() => parseGateConfig({ ctr: { calibrationRatio: [1.1, 0.9] } })).toThrow(/gate\.ctr\.calibrationRatio/);
  });
});
