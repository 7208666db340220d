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

/** Assigns colours in order: the k-th series of a role gets that role's k-th colour, then darker and lighter shades. */
export class ColourAssigner {
  private readonly used = new Map<CellRole | 'none', number>();
  private readonly given = new Set<string>();

  next(role: CellRole | undefined): string {
    const key = role ?? 'none';
    const palette = role ? ROLE_PALETTES[role] : GENERAL_PALETTE;
    for (let k = this.used.get(key) ?? 0; ; k++) {
      const colour = shade(palette[k % palette.length], Math.floor(k / palette.length));
      if (this.given.has(colour)) continue; // never two series of one chart in one colour
      this.used.set(key, k + 1);
      this.given.add(colour);
      return colour;
    }
  }
}

function rgbOf(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Cycle 0 is the colour itself; odd cycles darken it, even cycles lighten it, a little more each time round. */
export function shade(hex: string, cycle: number): string {
  if (cycle === 0) return hex;
  const amount = Math.min(0.7, 0.3 * Math.ceil(cycle / 2));
  const mixed = rgbOf(hex).map((c) => Math.round(cycle % 2 === 1 ? c * (1 - amount) : c + (255 - c) * amount));
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** `#rrggbb` with an alpha, as `rgba(…)`. */
export function withAlpha(hex: string, alpha: number): string {
  const [r, g, b] = rgbOf(hex);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
