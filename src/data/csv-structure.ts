// The record structure of a CSV file, found in one linear pass before DuckDB reads it: the header's field
// count, which records have a different number of fields (or an unterminated quote), and which are blank.
// DuckDB's reader would report every surplus field of a row as its own error, at a cost that grows with
// the square of the row's length; rows found here are reported once each and kept away from the reader.
//
// Rows are numbered as DuckDB numbers them: the header is row 0 and every record counts, blank ones too.
// Quoting follows DuckDB's reader: a quote opens a quoted field only at the start of a field, `""` inside
// one is a literal quote, and newlines inside quotes belong to the field. Records end at \n, or at \r in
// files whose header line ends with a lone \r.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export interface BadRecord {
  row: number;
  /** byte range of the record in the (decompressed) file, its line terminator included */
  start: number;
  end: number;
  fields: number;
  unterminatedQuote: boolean;
  /** the record's first bytes as text (only for the first EXAMPLE_RECORDS bad records) */
  text: string;
}

export interface CsvStructure {
  headerFields: number;
  /** data records, blank ones included (rows 1..records) */
  records: number;
  blankRows: number[];
  badRecords: BadRecord[];
}

export const EXAMPLE_RECORDS = 3;
const TEXT_BYTES = 160;
const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

// Field states: at the start of a field, inside an unquoted field, inside quotes, just after a quote inside quotes.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3;

/** Feed chunks of a CSV file in order with push(), then call finish(). */
export class CsvStructureScanner {
  private terminator = -1; // LF or CR, decided from the first line
  private pending: Uint8Array[] = []; // first chunks, until the line terminator is known
  private offset = 0; // file offset of the next chunk
  private recordStart = 0;
  private fields = 1;
  private state = FIELD_START;
  private row = 0;
  private headerFields = 0;
  private previousByte = -1;
  private head: number[] = []; // first bytes of the current record, when it started in an earlier chunk
  private headOf = 0; // the record start `head` belongs to
  private readonly blankRows: number[] = [];
  private readonly badRecords: BadRecord[] = [];

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.terminator < 0) {
      this.pending.push(chunk.slice()); // the caller may reuse its buffer
      const joined = Buffer.concat(this.pending);
      const terminator = detectTerminator(joined);
      if (terminator < 0 && joined.length < 1 << 20) return;
      this.terminator = terminator < 0 ? LF : terminator;
      this.pending = [];
      chunk = joined;
    }
    if (this.state !== QUOTED && chunk.indexOf(QUOTE) < 0) this.scanUnquoted(chunk);
    else this.scanQuoted(chunk);
    this.keepHead(chunk);
    this.previousByte = chunk[chunk.length - 1];
    this.offset += chunk.length;
  }

  finish(): CsvStructure {
    if (this.pending.length) {
      const rest = Buffer.concat(this.pending);
      this.pending = [];
      this.terminator = LF;
      this.push(rest);
    }
    if (this.offset > this.recordStart || this.state === QUOTED) this.endRecord(this.offset, undefined, -1);
    return { headerFields: this.headerFields, records: Math.max(0, this.row - 1), blankRows: this.blankRows, badRecords: this.badRecords };
  }

  /** Fast path for chunks without quotes: only commas and record ends matter. */
  private scanUnquoted(chunk: Uint8Array): void {
    const nl = this.terminator;
    const base = this.offset;
    let expected = this.headerFields;
    let fields = this.fields;
    let row = this.row;
    let recordStart = this.recordStart;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === COMMA) {
        fields++;
      } else if (b === nl) {
        if (fields === expected && expected > 1) {
          row++;
          fields = 1;
          recordStart = base + i + 1;
        } else {
          this.fields = fields;
          this.row = row;
          this.recordStart = recordStart;
          this.state = UNQUOTED;
          this.endRecord(base + i + 1, chunk, i);
          ({ fields, row, recordStart } = this);
          expected = this.headerFields;
        }
      }
    }
    this.fields = fields;
    this.row = row;
    this.recordStart = recordStart;
    const last = chunk[chunk.length - 1];
    this.state = last === COMMA || last === nl ? FIELD_START : UNQUOTED;
  }

  /** The full state machine, for chunks with quotes or that start inside a quoted field. */
  private scanQuoted(chunk: Uint8Array): void {
    const nl = this.terminator;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      switch (this.state) {
        case QUOTED:
          if (b === QUOTE) this.state = QUOTE_SEEN;
          continue;
        case FIELD_START:
          if (b === QUOTE) {
            this.state = QUOTED;
            continue;
          }
          break;
        case QUOTE_SEEN:
          if (b === QUOTE) {
            this.state = QUOTED; // "" is a literal quote
            continue;
          }
          break;
      }
      if (b === COMMA) {
        this.fields++;
        this.state = FIELD_START;
      } else if (b === nl) {
        this.endRecord(this.offset + i + 1, chunk, i);
      } else {
        this.state = UNQUOTED;
      }
    }
  }

  /** Ends the current record at file offset `end` (after its terminator at chunk[at], or at the end of the file). */
  private endRecord(end: number, chunk: Uint8Array | undefined, at: number): void {
    const unterminatedQuote = this.state === QUOTED;
    const contentEnd = at >= 0 ? end - 1 : end;
    const length = contentEnd - this.recordStart;
    const lastByte = at > 0 && chunk ? chunk[at - 1] : this.previousByte;
    const blank = !unterminatedQuote && (length === 0 || (length === 1 && lastByte === CR && this.terminator === LF));
    if (this.row === 0) {
      this.headerFields = length === 0 ? 0 : this.fields;
    } else if (blank) {
      this.blankRows.push(this.row);
    } else if (this.fields !== this.headerFields || unterminatedQuote) {
      this.badRecords.push({
        row: this.row, start: this.recordStart, end, fields: this.fields, unterminatedQuote,
        text: this.badRecords.length < EXAMPLE_RECORDS ? this.recordText(chunk, at, contentEnd) : '',
      });
    }
    this.row++;
    this.fields = 1;
    this.state = FIELD_START;
    this.recordStart = end;
  }

  /** The first TEXT_BYTES bytes of the current record, decoded (a trailing partial character is dropped). */
  private recordText(chunk: Uint8Array | undefined, at: number, contentEnd: number): string {
    const bytes = this.headOf === this.recordStart ? this.head.slice(0, TEXT_BYTES) : [];
    if (chunk) {
      const from = Math.max(0, this.recordStart - this.offset);
      const to = Math.min(at >= 0 ? at : chunk.length, contentEnd - this.offset, from + TEXT_BYTES - bytes.length);
      for (let i = from; i < to; i++) bytes.push(chunk[i]);
    }
    const text = Buffer.from(bytes).toString('utf8').replace(/\r$/, '').replace(/\uFFFD+$/, '');
    return contentEnd - this.recordStart > TEXT_BYTES ? `${text}…` : text;
  }

  /** Keeps the first bytes of a record that continues into the next chunk. */
  private keepHead(chunk: Uint8Array): void {
    if (this.headOf !== this.recordStart) {
      this.head = []; // records that ended on the fast path leave their bytes behind
      this.headOf = this.recordStart;
    }
    if (this.head.length >= TEXT_BYTES) return;
    const from = Math.max(0, this.recordStart - this.offset);
    for (let i = from; i < chunk.length && this.head.length < TEXT_BYTES; i++) this.head.push(chunk[i]);
  }
}

/** \r when the first line ends with a lone \r, \n when it ends with \n or \r\n, -1 when not yet known. */
function detectTerminator(bytes: Uint8Array): number {
  const lf = bytes.indexOf(LF);
  const cr = bytes.indexOf(CR);
  if (cr >= 0 && (lf < 0 || cr < lf)) {
    if (cr + 1 >= bytes.length) return -1;
    return bytes[cr + 1] === LF ? LF : CR;
  }
  return lf >= 0 ? LF : -1;
}

/** Streams a CSV file (gzip-compressed when it ends in .gz) through the scanner. */
export async function scanCsvStructure(path: string): Promise<CsvStructure> {
  const scanner = new CsvStructureScanner();
  for await (const chunk of openCsv(path)) scanner.push(chunk as Uint8Array);
  return scanner.finish();
}

/**
 * The file's bytes as chunks, decompressed when the name ends in .gz. A plain file is read into one reused
 * buffer: each chunk is valid only until the next one is asked for.
 */
export async function* openCsv(path: string): AsyncIterable<Uint8Array> {
  if (/\.gz$/i.test(path)) {
    yield* createReadStream(path).pipe(createGunzip());
    return;
  }
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(1 << 22);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/**
 * Plain reference of the scanner: one byte at a time over the whole file, no fast path. Tests check that
 * the scanner fed in any chunking agrees with it.
 */
export function scanCsvStructureReference(bytes: Uint8Array): CsvStructure {
  const detected = detectTerminator(bytes);
  const nl = detected < 0 ? LF : detected;
  const out: CsvStructure = { headerFields: 0, records: 0, blankRows: [], badRecords: [] };
  let row = 0;
  let start = 0;
  let fields = 1;
  let state = FIELD_START;
  const end = (stop: number, terminated: boolean): void => {
    const contentEnd = terminated ? stop - 1 : stop;
    const content = bytes.subarray(start, contentEnd);
    const unterminatedQuote = state === QUOTED;
    const blank = !unterminatedQuote && (content.length === 0 || (content.length === 1 && content[0] === CR && nl === LF));
    if (row === 0) out.headerFields = content.length === 0 ? 0 : fields;
    else if (blank) out.blankRows.push(row);
    else if (fields !== out.headerFields || unterminatedQuote) {
      let text = '';
      if (out.badRecords.length < EXAMPLE_RECORDS) {
        text = Buffer.from(content.subarray(0, TEXT_BYTES)).toString('utf8').replace(/\r$/, '').replace(/\uFFFD+$/, '');
        if (content.length > TEXT_BYTES) text += '…';
      }
      out.badRecords.push({ row, start, end: stop, fields, unterminatedQuote, text });
    }
    row++;
    start = stop;
    fields = 1;
    state = FIELD_START;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (state === QUOTED) {
      if (b === QUOTE) state = QUOTE_SEEN;
    } else if ((state === FIELD_START || state === QUOTE_SEEN) && b === QUOTE) {
      state = QUOTED; // a quoted field opens, or "" inside one is a literal quote
    } else if (b === COMMA) {
      fields++;
      state = FIELD_START;
    } else if (b === nl) {
      end(i + 1, true);
    } else {
      state = UNQUOTED;
    }
  }
  if (bytes.length > start || state === QUOTED) end(bytes.length, false);
  out.records = Math.max(0, row - 1);
  return out;
}
