// Text for the report: HTML escaping, JSON that is safe inside a <script> element, and table cell formats.
import type { CellFormat } from '../report-data.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` become \u escapes, so no text in the data
 * (`</script>`, `<!--`) can end the element; U+2028/U+2029 are escaped too. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The text shown for a missing value (null, NaN, ±Infinity). */
export const MISSING = '–';

const INT_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatSeconds(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs < 1) return `${(seconds * 1000).toFixed(abs < 0.01 ? 2 : 0)} ms`;
  if (abs < 60) return `${seconds.toFixed(abs < 10 ? 2 : 1)} s`;
  const sign = seconds < 0 ? '-' : '';
  const total = Math.round(abs);
  return `${sign}${Math.floor(total / 60)} min ${String(total % 60).padStart(2, '0')} s`;
}

function formatDefault(value: number): string {
  if (Number.isInteger(value)) return INT_FORMAT.format(value);
  const abs = Math.abs(value);
  if (abs >= 1e4) return INT_FORMAT.format(value);
  if (abs < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** A cell's text; `null` and non-finite numbers are MISSING, strings pass through whatever the format. */
export function formatCell(value: string | number | null, format?: CellFormat): string {
  if (value === null) return MISSING;
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return MISSING;
  switch (format) {
    case 'text':
      return String(value);
    case 'int':
      return INT_FORMAT.format(Math.round(value));
    case 'fixed4':
      return value.toFixed(4);
    case 'fixed3':
      return value.toFixed(3);
    case 'percent':
      return `${(value * 100).toFixed(2)}%`;
    case 'seconds':
      return formatSeconds(value);
    default:
      return formatDefault(value);
  }
}
