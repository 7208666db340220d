// The promotion gate, as TFX's Evaluator "blesses" a model: the challenger's metrics on the most recent held-out
// slice must pass value thresholds (ECE, calibration ratio — or be closer to them than a champion that fails them
// on the same slice) and change thresholds against the champion on the same slice (AUC not lower by more than a
// margin, normalized entropy not higher by more than a share). Every threshold is configurable or null (off); a
// refusal names each failed check with both values.
import { AdrankError } from '../core/errors.js';
import { deepFreeze, deepMerge, fail, readArray, readInt, readNumber, readObject } from '../core/strict-config.js';
import type { BinaryMetrics } from '../eval/metrics.js';

export interface ModelGate {
  /** the challenger's ECE (equal-width bins) at most this */
  eceMax: number | null;
  /** the challenger's Σp / Σy inside [low, high] */
  calibrationRatio: [number, number] | null;
  /** the challenger's AUC at least the champion's minus this */
  aucMaxDrop: number | null;
  /** the challenger's NE at most the champion's × (1 + this) */
  neMaxRelativeIncrease: number | null;
}

export interface GateConfig {
  ctr: ModelGate;
  cvr: ModelGate;
  /** a held-out slice with fewer impression rows than this is too small to decide on (refused with EMPTY_TABLE) */
  minRows: number;
}

export const DEFAULT_GATE: GateConfig = deepFreeze({
  ctr: { eceMax: 0.003, calibrationRatio: [0.95, 1.05], aucMaxDrop: 0.002, neMaxRelativeIncrease: 0.005 },
  cvr: { eceMax: null, calibrationRatio: null, aucMaxDrop: 0.01, neMaxRelativeIncrease: null },
  minRows: 1000,
});

/**
 * The gate of the simulation's daily retrain: its held-out half-day has a few thousand rows, on which the AUC varies
 * by about 0.01–0.02 and the ECE by about 0.01 from noise alone, so the thresholds are set at that noise (the
 * default's 0.002 and 0.003 would refuse nearly every challenger by chance); it still refuses a model that ranks at
 * random, or a CVR model whose calibration has lost its ranking.
 */
export const SIMULATION_GATE: GateConfig = deepFreeze({
  ctr: { eceMax: 0.02, calibrationRatio: [0.8, 1.25], aucMaxDrop: 0.01, neMaxRelativeIncrease: 0.01 },
  cvr: { eceMax: null, calibrationRatio: null, aucMaxDrop: 0.02, neMaxRelativeIncrease: null },
  minRows: 500,
});

const GATE_KEYS = ['eceMax', 'calibrationRatio', 'aucMaxDrop', 'neMaxRelativeIncrease'] as const;

function readModelGate(value: unknown, path: string): ModelGate {
  const raw = readObject(value, path, GATE_KEYS);
  const num = (key: string, max: number): number | null => (raw[key] === null ? null : readNumber(raw[key], `${path}.${key}`, 0, max));
  let ratio: [number, number] | null = null;
  if (raw.calibrationRatio !== null) {
    const pair = readArray(raw.calibrationRatio, `${path}.calibrationRatio`, (v, p) => readNumber(v, p, 0, 1e6), 2);
    if (pair.length !== 2 || pair[0] > pair[1]) fail(`${path}.calibrationRatio`, 'must be [low, high] with low ≤ high', 'for example [0.95, 1.05], or null to turn the check off');
    ratio = [pair[0], pair[1]];
  }
  return { eceMax: num('eceMax', 1), calibrationRatio: ratio, aucMaxDrop: num('aucMaxDrop', 1), neMaxRelativeIncrease: num('neMaxRelativeIncrease', 100) };
}

/** The default gate with a user's (parsed JSON) laid over it key by key; unknown keys fail with their path. */
export function parseGateConfig(value: unknown, path = 'gate'): GateConfig {
  const merged = deepMerge(DEFAULT_GATE, value) as Record<string, unknown>;
  const raw = readObject(merged, path, ['ctr', 'cvr', 'minRows']);
  return deepFreeze({ ctr: readModelGate(raw.ctr, `${path}.ctr`), cvr: readModelGate(raw.cvr, `${path}.cvr`), minRows: readInt(raw.minRows, `${path}.minRows`, 1) });
}

export interface GateCheck {
  /** e.g. ctr.ece, ctr.auc */
  name: string;
  kind: 'value' | 'change';
  challenger: number;
  champion: number | null;
  /** the rule in words: "≤ 0.003", "≥ champion − 0.002 = 0.7412" */
  rule: string;
  passed: boolean;
}

export interface GateDecision {
  passed: boolean;
  checks: GateCheck[];
  /** one line per failed check, with both values */
  failures: string[];
}

export interface SliceMetrics {
  ctr: BinaryMetrics;
  cvr: BinaryMetrics;
}

function modelChecks(model: 'ctr' | 'cvr', gate: ModelGate, challenger: BinaryMetrics, champion: BinaryMetrics | null): GateCheck[] {
  const checks: GateCheck[] = [];
  const f = (x: number): string => x.toFixed(4);
  // A value threshold the champion fails too cannot hold a better challenger back: under drift the champion decays,
  // and a gate that only an ideal slice can pass would keep the worse model serving. Such a check passes when the
  // challenger is closer to the threshold than the champion (its "excess" is smaller).
  const value = (name: string, rule: string, excess: (m: BinaryMetrics) => number, challengerValue: number, championValue: number | null): void => {
    const own = excess(challenger);
    const theirs = champion ? excess(champion) : NaN;
    const passed = own <= 0 || (theirs > 0 && own < theirs);
    checks.push({ name, kind: 'value', challenger: challengerValue, champion: championValue, rule: champion ? `${rule}, or closer to it than a champion that fails it` : rule, passed });
  };
  if (gate.eceMax !== null) {
    const max = gate.eceMax;
    value(`${model}.ece`, `≤ ${max}`, (m) => m.ece - max, challenger.ece, champion?.ece ?? null);
  }
  if (gate.calibrationRatio !== null) {
    const [lo, hi] = gate.calibrationRatio;
    value(`${model}.calibration_ratio`, `in [${lo}, ${hi}]`, (m) => Math.max(lo - m.calibrationRatio, m.calibrationRatio - hi), challenger.calibrationRatio, champion?.calibrationRatio ?? null);
  }
  if (champion && gate.aucMaxDrop !== null) {
    const floor = champion.auc - gate.aucMaxDrop;
    checks.push({ name: `${model}.auc`, kind: 'change', challenger: challenger.auc, champion: champion.auc, rule: `≥ champion − ${gate.aucMaxDrop} = ${f(floor)}`, passed: challenger.auc >= floor });
  }
  if (champion && gate.neMaxRelativeIncrease !== null) {
    const ceiling = champion.normalizedEntropy * (1 + gate.neMaxRelativeIncrease);
    checks.push({ name: `${model}.ne`, kind: 'change', challenger: challenger.normalizedEntropy, champion: champion.normalizedEntropy, rule: `≤ champion × ${1 + gate.neMaxRelativeIncrease} = ${f(ceiling)}`, passed: challenger.normalizedEntropy <= ceiling });
  }
  return checks;
}

/** Applies the gate; `champion` is null when there is none yet (only the value thresholds apply). */
export function decideGate(config: GateConfig, challenger: SliceMetrics, champion: SliceMetrics | null): GateDecision {
  if (challenger.ctr.rows < config.minRows) {
    throw new AdrankError('EMPTY_TABLE', `the held-out slice has ${challenger.ctr.rows} rows, fewer than the gate's minRows ${config.minRows}`, {
      location: { field: 'gate.minRows' },
      hint: 'give a longer window or held-out slice, or lower gate.minRows',
    });
  }
  const checks = [...modelChecks('ctr', config.ctr, challenger.ctr, champion?.ctr ?? null), ...modelChecks('cvr', config.cvr, challenger.cvr, champion?.cvr ?? null)];
  for (const c of checks) if (!Number.isFinite(c.challenger)) c.passed = false; // a NaN metric never passes
  const failures = checks.filter((c) => !c.passed).map((c) => `${c.name}: challenger ${c.challenger.toFixed(4)}${c.champion === null ? '' : `, champion ${c.champion.toFixed(4)}`} — required ${c.rule}`);
  return { passed: failures.length === 0, checks, failures };
}
