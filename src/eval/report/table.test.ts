// Cell formats, escaping helpers and the best-cell marking of report tables.
import { describe, expect, it } from 'vitest';
import type { ReportTable } from '../report-data.js';
import { escapeHtml, formatCell, jsonForScript, MISSING } from './format.js';
import { bestRows, renderTable } from './table.js';

describe('formatCell', () => {
  it('formats each declared format', () => {
    expect(formatCell(1234567.4, 'int')).toBe('1,234,567');
    expect(formatCell(0.123456, 'fixed4')).toBe('0.1235');
    expect(formatCell(0.5, 'fixed3')).toBe('0.500');
    expect(formatCell(0.0352, 'percent')).toBe('3.52%');
    expect(formatCell(42, 'text')).toBe('42');
  });

  it('shows seconds in ms, s or min', () => {
    expect(formatCell(0.042, 'seconds')).toBe('42 ms');
    expect(formatCell(0.0042, 'seconds')).toBe('4.20 ms');
    expect(formatCell(3.456, 'seconds')).toBe('3.46 s');
    expect(formatCell(31.74, 'seconds')).toBe('31.7 s');
    expect(formatCell(119.6, 'seconds')).toBe('2 min 00 s');
    expect(formatCell(3725, 'seconds')).toBe('62 min 05 s');
  });

  it('picks a readable default without a format', () => {
    expect(formatCell(200000)).toBe('200,000');
    expect(formatCell(0.676712)).toBe('0.6767');
    expect(formatCell(12345.678)).toBe('12,346');
    expect(formatCell(0.00001234)).toBe('1.23e-5');
  });

  it('shows null and non-finite numbers as missing, strings unchanged', () => {
    for (const v of [null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(formatCell(v, 'fixed4')).toBe(MISSING);
    expect(formatCell('n/a', 'fixed4')).toBe('n/a');
  });
});

describe('escaping', () => {
  it('escapes HTML special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('writes JSON that cannot close a script element and parses back unchanged', () => {
    const value = { label: '</script><img src=x onerror=alert(1)><!-- & \u2028\u2029' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

const metrics: ReportTable = {
  columns: [
    { label: 'model', format: 'text' },
    { label: 'AUC', format: 'fixed4', better: 'higher' },
    { label: 'log loss', format: 'fixed4', better: 'lower' },
    { label: 'rows', format: 'int' },
  ],
  rows: [
    { cells: ['model', 0.74, 0.142, 100], role: 'model' },
    { cells: ['LR', 0.74, Number.NaN, 100], role: 'baseline' },
    { cells: ['constant', 0.5, 0.156, 100], role: 'baseline' },
    { cells: ['popularity', null, 'n/a', 100], role: 'baseline', note: 'ranking only' },
    { cells: ['oracle', 0.83, 0.13, 100], role: 'oracle' },
  ],
};

describe('best cells', () => {
  it('marks the best value per column, all of a tie, never an oracle row or a missing value', () => {
    expect([...bestRows(metrics, 1)].sort()).toEqual([0, 1]);
    expect([...bestRows(metrics, 2)]).toEqual([0]);
    expect(bestRows(metrics, 3).size).toBe(0);
    expect(bestRows(metrics, 0).size).toBe(0);
  });

  it('renders the marks, the roles, the missing values and the notes', () => {
    const html = renderTable(metrics);
    const rows = html.split('\n').filter((line) => line.startsWith('<tr class='));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toContain('<td class="num best" title="best">0.7400</td>');
    expect(rows[0]).toContain('<td class="num best" title="best">0.1420</td>');
    expect(rows[1]).toContain('<td class="num best" title="best">0.7400</td>');
    expect(rows[1]).toContain(`<td class="num na">${MISSING}</td>`);
    expect(rows[3]).toContain('<td>n/a</td>');
    expect(rows[3]).toContain('<sup class="note-ref">1</sup>');
    expect(rows[4]).toMatch(/^<tr class="role-oracle">/);
    expect(rows[4]).not.toContain('best');
    expect(html).toContain('<ol class="notes"><li>ranking only</li></ol>');
    expect(html).toContain('<th scope="col" class="num" title="higher is better">AUC ↑</th>');
  });
});
