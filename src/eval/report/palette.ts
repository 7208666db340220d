// Colours by role: each role has its own hue family (model blue/purple, baselines orange/brown, oracle green,
// seed magenta, warnings red), so a model is never confused with a baseline; series without a role cycle a
// general palette. All colours are saturated, so they stand apart from the greys of axes and grid.
import type { CellRole } from '../report-data.js';

export const ROLE_PALETTES: Record<CellRole, readonly string[]> = {
  model: ['#1f5fbf', '#7b3fb5', '#0e7fa6'],
  baseline: ['#e07b00', '#a0522d', '#c29a00'],
  oracle: ['#1a8f3c', '#6aa121'],
  seed: ['#c2185b', '#e0609a'],
  segment: ['#0e8f8f', '#8c564b', '#b03aa3', '#5d69b1', '#9c9e1f'],
  warn: ['#d62728'],
};

const GENERAL_PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/** Assigns colours in order: the k-th series of a role gets that role's k-th colour (cycling). */
export class ColourAssigner {
  private readonly used = new Map<CellRole | 'none', number>();

  next(role: CellRole | undefined): string {
    const key = role ?? 'none';
    const k = this.used.get(key) ?? 0;
    this.used.set(key, k + 1);
    const palette = role ? ROLE_PALETTES[role] : GENERAL_PALETTE;
    return palette[k % palette.length];
  }
}

/** `#rrggbb` with an alpha, as `rgba(…)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
