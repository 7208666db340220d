// Large CSV files written in blocks of rows with synchronous writes: for millions of short rows this is
// several times faster than a stream fed with strings, and the output is complete when the call returns.
import { closeSync, openSync, writeSync } from 'node:fs';
import { withPath } from '../core/atomic-write.js';

/** Writes a CSV file from a header and a row formatter called for i = 0..n-1. */
export function writeCsv(path: string, header: readonly string[], n: number, row: (i: number) => string): void {
  const fd = openSync(path, 'w');
  try {
    writeRows(fd, header, n, row);
  } catch (e) {
    throw withPath(e, path);
  } finally {
    closeSync(fd);
  }
}

function writeRows(fd: number, header: readonly string[], n: number, row: (i: number) => string): void {
  writeSync(fd, header.join(',') + '\n');
  const blockRows = 8192;
  const parts: string[] = [];
  for (let start = 0; start < n; start += blockRows) {
    const end = Math.min(n, start + blockRows);
    parts.length = 0;
    for (let i = start; i < end; i++) parts.push(row(i));
    parts.push('');
    writeSync(fd, parts.join('\n'));
  }
}
