import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { CsvStructureScanner, scanCsvStructureReference, type CsvStructure } from './csv-structure.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The scanner fed `data` in chunks of the given sizes (cycled). */
function scan(data: Uint8Array, chunkSizes: number[] = [data.length || 1]): CsvStructure {
  const scanner = new CsvStructureScanner();
  for (let offset = 0, k = 0; offset < data.length; k++) {
    const size = Math.max(1, chunkSizes[k % chunkSizes.length]);
    scanner.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return scanner.finish();
}

const rows = (s: CsvStructure): number[] => s.badRecords.map((r) => r.row);

describe('CSV record structure', () => {
  it('finds records whose field count differs from the header, once each, with their byte ranges', () => {
    const text = 'a,b,c\n1,2,3\n1,2\n1,2,3,4,5,6\n1,2,3\n';
    const s = scan(bytes(text));
    expect(s.headerFields).toBe(3);
    expect(s.records).toBe(4);
    expect(s.badRecords.map((r) => [r.row, r.fields, r.text, text.slice(r.start, r.end)])).toEqual([
      [2, 2, '1,2', '1,2\n'],
      [3, 6, '1,2,3,4,5,6', '1,2,3,4,5,6\n'],
    ]);
  });

  it('counts quoted commas, escaped quotes and quoted newlines as field content', () => {
    const s = scan(bytes('a,b,c\n1,"x,y",3\n2,"say ""hi"", twice",3\n3,"two\nlines",3\n4,5\n'));
    expect(s.records).toBe(4);
    expect(rows(s)).toEqual([4]);
  });

  it('treats a quote inside an unquoted field as a character, like DuckDB', () => {
    expect(rows(scan(bytes('a,b\n1,x"y\n2,z\n')))).toEqual([]);
  });

  it('numbers blank lines as rows and reports them apart (DuckDB skips them)', () => {
    const s = scan(bytes('a,b\r\n1,2\r\n\r\n3\r\n\n4,5'));
    expect(s.blankRows).toEqual([2, 4]);
    expect(rows(s)).toEqual([3]);
    expect(s.records).toBe(5);
  });

  it('reads files whose lines end in a lone \\r', () => {
    const s = scan(bytes('a,b\r1,2\r3\r4,5\r'));
    expect([s.headerFields, s.records, rows(s)]).toEqual([2, 3, [2]]);
  });

  it('reports an unterminated quote at the end of the file', () => {
    const s = scan(bytes('a,b\n1,2\n3,"open\n4,5\n'));
    expect(s.badRecords).toMatchObject([{ row: 2, unterminatedQuote: true }]);
  });

  it('shortens the text of a long record and keeps the range of all of it', () => {
    const long = `7${',x'.repeat(100_000)}`;
    const text = `a,b\n${long}\n1,2\n`;
    const s = scan(bytes(text), [4096]);
    expect(s.badRecords).toHaveLength(1);
    const [r] = s.badRecords;
    expect([r.row, r.fields, r.end - r.start]).toEqual([1, 100_001, long.length + 1]);
    expect(r.text.endsWith('…')).toBe(true);
    expect(r.text.length).toBeLessThan(200);
  });

  it('handles an empty file and a header without rows', () => {
    expect(scan(bytes(''))).toEqual({ headerFields: 0, records: 0, blankRows: [], badRecords: [] });
    expect(scan(bytes('a,b,c'))).toEqual({ headerFields: 3, records: 0, blankRows: [], badRecords: [] });
  });

  it('agrees with the plain reference on random files in any chunking', () => {
    const rng = new Rng(11);
    const alphabet = ['a', 'b', ',', ',', '"', '\n', '\n', '\r', '\r\n', '""'];
    for (let trial = 0; trial < 400; trial++) {
      const header = ['a', 'b', 'c'].slice(0, 1 + rng.int(3)).join(',');
      const terminator = rng.int(4) === 0 ? '\r' : rng.int(2) ? '\r\n' : '\n';
      let body = '';
      const length = rng.int(200);
      for (let i = 0; i < length; i++) body += alphabet[rng.int(alphabet.length)];
      const data = bytes(header + terminator + body);
      const expected = scanCsvStructureReference(data);
      const chunkings = [[data.length || 1], [1], [1 + rng.int(7), 1 + rng.int(13)], [3, 1, 64]];
      for (const chunks of chunkings) expect(scan(data, chunks), `trial ${trial}, chunks ${chunks}`).toEqual(expected);
    }
  });
});
